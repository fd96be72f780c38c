// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
  // Record forms: show the fields of the chosen kind of record only (all are shown without JavaScript).
  document.querySelectorAll("form[data-kind-fields]").forEach(function (form) {
    var select = form.querySelector("select[name=step]");
    if (!select) { return; }
    var sync = function () {
      form.querySelectorAll("[data-kinds]").forEach(function (el) {
        var kinds = el.getAttribute("data-kinds").split(" ");
        el.hidden = kinds.indexOf(select.value) === -1;
      });
    };
    select.addEventListener("change", sync);
    sync();
  });
  // A button with data-confirm asks before a step that cannot be taken back (without JavaScript it just goes).
  document.querySelectorAll("button[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("mainnav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
});
