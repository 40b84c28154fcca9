/* The weigh slip form: a household's contracts only, and spot prices only without a contract. */
(function () {
  'use strict';
  var household = document.getElementById('household_id');
  var contract = document.getElementById('contract_id');
  var variety = document.getElementById('variety_id');
  if (!household || !contract) { return; }
  function showPrices() {
    var spot = !contract.value;
    document.querySelectorAll('.spot-only').forEach(function (el) { el.hidden = !spot; });
    document.querySelector('.grade-rows').classList.toggle('priced-by-contract', !spot);
    var option = contract.selectedOptions[0];
    if (!spot && option && option.getAttribute('data-variety')) { variety.value = option.getAttribute('data-variety'); }
  }
  function showContracts() {
    var chosen = household.value;
    Array.prototype.forEach.call(contract.options, function (option) {
      var owner = option.getAttribute('data-household');
      option.hidden = Boolean(owner) && Boolean(chosen) && owner !== chosen;
    });
    if (contract.selectedOptions.length && contract.selectedOptions[0].hidden) { contract.value = ''; }
    showPrices();
  }
  household.addEventListener('change', showContracts);
  contract.addEventListener('change', showPrices);
  showContracts();
}());
