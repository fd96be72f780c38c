// The reports page: rows of runs still waiting or running ask for their status every second and a half, move their
// progress bar, and show the download link once the file is ready (no library, no external asset).
(function () {
  "use strict";
  var label = document.getElementById("download-label");
  function poll(row) {
    var url = row.getAttribute("data-poll");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var bar = row.querySelector("[data-progress]");
        if (bar) { bar.value = data.progress; bar.textContent = data.progress + "%"; }
        row.querySelector("[data-status]").textContent = data.status_label;
        if (data.status === "queued" || data.status === "running") {
          setTimeout(function () { poll(row); }, 1500);
          return;
        }
        if (bar) { bar.remove(); }
        if (data.status === "done") { row.querySelector("[data-rows]").textContent = data.rows; }
        if (data.error) {
          var err = document.createElement("span");
          err.className = "muted";
          err.textContent = " " + data.error;
          row.querySelector("[data-status]").after(err);
        }
        if (data.download) {
          var a = document.createElement("a");
          a.href = data.download;
          a.textContent = label ? label.content.textContent : "Download";
          var cell = row.querySelector("[data-download]");
          cell.appendChild(a);
          if (data.size) {
            var size = document.createElement("span");
            size.className = "muted";
            size.textContent = " " + data.size;
            cell.appendChild(size);
          }
        }
      })
      .catch(function () { setTimeout(function () { poll(row); }, 5000); });
  }
  document.querySelectorAll("tr[data-poll]").forEach(function (row) { setTimeout(function () { poll(row); }, 500); });
})();
