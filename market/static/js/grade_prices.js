// The order form: every grade down to the lowest accepted needs a farm-gate price. When another
// lowest grade is chosen, the price fields that need one are marked required (＊) before sending.
(function () {
  "use strict";
  var lowest = document.getElementById("min_grade_id");
  if (!lowest) { return; }
  var inputs = Array.prototype.slice.call(document.querySelectorAll("input[data-grade-id][data-rank]"));
  var title = document.querySelector("label .req") ? document.querySelector("label .req").title : "";

  function mark() {
    var chosen = inputs.filter(function (input) { return input.dataset.gradeId === lowest.value; })[0];
    var limit = chosen ? parseInt(chosen.dataset.rank, 10) : -1;
    inputs.forEach(function (input) {
      var needed = parseInt(input.dataset.rank, 10) <= limit;
      input.required = needed;
      var label = document.querySelector("label[for='" + input.id + "']");
      if (!label) { return; }
      var star = label.querySelector(".req");
      if (needed && !star) {
        star = document.createElement("span");
        star.className = "req";
        star.title = title;
        star.textContent = "＊";
        label.appendChild(star);
      } else if (!needed && star) {
        star.remove();
      }
    });
  }

  lowest.addEventListener("change", mark);
  mark();
}());
