/* The payout and receipt forms: what a party is owed, and the signer for cash. */
(function () {
  'use strict';
  /* Picking a party fills in what it is owed (and how a household is paid); the signer shows for cash. */
  var party = document.querySelector('[data-party-select]');
  var amount = document.getElementById('amount');
  var radios = document.querySelectorAll('input[name$="method"]');
  var signer = document.querySelector('.st-signer');
  var large = document.querySelector('.st-large');
  var filled = amount ? amount.value : '';
  function chosenMethod() {
    var value = '';
    radios.forEach(function (r) { if (r.checked) { value = r.value; } });
    return value;
  }
  function showSigner() {
    if (!signer) { return; }
    signer.hidden = chosenMethod() !== 'cash' && !signer.querySelector('.errors');
  }
  function showLarge() {
    if (!large || !amount) { return; }
    var value = parseFloat((amount.value || '').replace(/[,，¥\s]/g, ''));
    large.hidden = !(value > 50000) && !large.querySelector('.errors');
  }
  if (party) {
    party.addEventListener('change', function () {
      var option = party.selectedOptions[0];
      if (!option) { return; }
      var owed = option.getAttribute('data-owed');
      if (amount && owed && (!amount.value || amount.value === filled)) { amount.value = owed; filled = owed; }
      var method = option.getAttribute('data-method');
      if (method) { radios.forEach(function (r) { r.checked = r.value === method; }); }
      showSigner(); showLarge();
    });
  }
  radios.forEach(function (r) { r.addEventListener('change', showSigner); });
  if (amount) {
    amount.addEventListener('input', showLarge);
    /* a pre-filled amount is replaced by what is typed, never appended to ("3988.40" + "500") */
    amount.addEventListener('focus', function () { if (amount.value && amount.value === filled) { amount.select(); } });
  }
  showSigner(); showLarge();
})();
