// The order form's margin preview: per grade, the delivered price less what the household is
// paid less the expected logistics and packing, as the prices are typed. Whole fen only: prices
// are read as text to the fen, never as floating point sums.
(function () {
  "use strict";
  var table = document.getElementById("margin-preview");
  if (!table) { return; }
  var form = table.closest("form");
  var body = table.querySelector("tbody");
  var reason = document.getElementById("below_cost_reason");

  function fen(text) {
    var match = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text || "");
    if (!match) { return null; }
    return parseInt(match[1], 10) * 100 + parseInt(((match[2] || "") + "00").slice(0, 2), 10);
  }

  function yuan(amount) {
    // as the server prints it: ¥-0.50
    var abs = Math.abs(amount);
    return "¥" + (amount < 0 ? "-" : "") + Math.floor(abs / 100) + "." + ("0" + (abs % 100)).slice(-2);
  }

  function update() {
    var delivered = fen(form.elements.delivered_price.value);
    var cost = fen(form.elements.expected_cost_per_kg.value || "0");
    var unit = form.elements.price_unit.value === "jin" ? table.dataset.perJin : table.dataset.perKg;
    body.textContent = "";
    var losses = 0;
    form.querySelectorAll("input[data-grade]").forEach(function (input) {
      var paid = fen(input.value);
      if (delivered === null || cost === null || paid === null) { return; }
      var margin = delivered - paid - cost;
      var row = document.createElement("tr");
      var grade = document.createElement("td");
      grade.textContent = input.dataset.grade;
      var cell = document.createElement("td");
      cell.className = "num";
      cell.textContent = yuan(margin) + unit + (margin < 0 ? " · " + table.dataset.loss : "");
      if (margin < 0) { cell.classList.add("loss"); losses += 1; }
      row.appendChild(grade);
      row.appendChild(cell);
      body.appendChild(row);
    });
    table.hidden = body.children.length === 0;
    if (reason) {
      reason.closest(".field").classList.toggle("needed", losses > 0);
      reason.required = losses > 0;
    }
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}());
