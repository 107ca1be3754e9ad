/* What pages do in the browser beyond htmx, declared in their markup by data attributes.
   Pages carry no script of their own: the Content-Security-Policy runs only files Accord
   serves, so that script slipped into a page's text could never run. */
(function () {
  "use strict";

  // <form data-confirm="Remove …?">: asks before it is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // <select data-autosubmit>: sends its form as soon as another option is chosen.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches("select[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });

  // <input data-select-all readonly>: a value to copy, selected whole when clicked.
  function selectAll(event) {
    if (event.target.matches("input[data-select-all]")) {
      event.target.select();
    }
  }
  document.addEventListener("focusin", selectAll);
  document.addEventListener("click", selectAll);

  // <button data-copy="input-id" data-copied="Copied">: copies that input's value.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var input = document.getElementById(button.dataset.copy);
    if (!input) return;
    input.select();
    var done = function () { button.textContent = button.dataset.copied || button.textContent; };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(input.value).then(done);
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // <input list="x"> with <datalist id="x" data-suggest="url?…">: the datalist is filled from
  // that address (with &q=) as the user types two letters or more.
  document.addEventListener("input", function (event) {
    var input = event.target;
    var datalist = input.list;
    if (!datalist || !datalist.dataset.suggest || input.value.length < 2) return;
    clearTimeout(input.accordSuggestTimer);
    input.accordSuggestTimer = setTimeout(function () {
      var url = datalist.dataset.suggest;
      url += (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(input.value);
      htmx.ajax("GET", url, { target: "#" + datalist.id, swap: "innerHTML" });
    }, 300);
  });

  // <input data-search-on-enter>: Enter searches at once (the htmx trigger "search") rather
  // than sending the form the input sits in.
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key === "Enter" && input.matches && input.matches("input[data-search-on-enter]")) {
      event.preventDefault();
      htmx.trigger(input, "search");
    }
  });

  // <input type="checkbox" data-pick-into="container-id"> inside a found option's label: once
  // ticked, the label moves into that container as a chip, without the option's details.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches("input[data-pick-into]") || !box.checked) return;
    var chip = box.closest("label");
    var into = document.getElementById(box.dataset.pickInto);
    if (!chip || !into) return;
    chip.className = "chip";
    var detail = chip.querySelector(".detail");
    if (detail) detail.remove();
    into.append(chip);
  });
})();
