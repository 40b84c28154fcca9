/* Behaviour every page shares, bound from data attributes: pages carry no inline script, so the
   Content-Security-Policy can forbid it (script-src 'self').
   - <button data-print>            prints the page
   - <form data-confirm="…">        asks before submitting (or the submit button that carries it)
   - <select data-autosubmit data-clear="field">  submits its form on change, emptying "field" first */
(function () {
  'use strict';
  document.addEventListener('click', function (event) {
    var button = event.target.closest('[data-print]');
    if (button) { event.preventDefault(); window.print(); }
  });
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.getAttribute && button.getAttribute('data-confirm')) ||
      (form.getAttribute && form.getAttribute('data-confirm'));
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener('change', function (event) {
    var select = event.target;
    if (!select.hasAttribute || !select.hasAttribute('data-autosubmit')) { return; }
    var clear = select.getAttribute('data-clear');
    if (clear && select.form.elements[clear]) { select.form.elements[clear].value = ''; }
    select.form.submit();
  });
}());
