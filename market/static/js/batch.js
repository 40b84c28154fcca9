/* A new batch of payouts: the total and count of the ticked rows, as amounts are typed. */
(function () {
  var rows = document.querySelectorAll('.st-batch-row');
  var total = document.querySelector('[data-batch-total]');
  var count = document.querySelector('[data-batch-count]');
  if (!total) { return; }
  function fen(text) {
    var value = (text || '').replace(/[,，¥\s]/g, '');
    if (!/^\d+(\.\d{1,2})?$/.test(value)) { return 0; }
    var parts = value.split('.');
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || '') + '00').slice(0, 2), 10);
  }
  function update() {
    var sum = 0, n = 0;
    rows.forEach(function (row) {
      var check = row.querySelector('input[type=checkbox]');
      var amount = row.querySelector('input.st-amount');
      row.classList.toggle('off', !check.checked);
      if (check.checked) { sum += fen(amount.value); n += 1; }
    });
    var yuan = Math.floor(sum / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    total.textContent = '¥' + yuan + '.' + ('0' + (sum % 100)).slice(-2);
    count.textContent = n;
  }
  rows.forEach(function (row) { row.addEventListener('input', update); row.addEventListener('change', update); });
  update();
})();
