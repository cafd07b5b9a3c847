// labeljury review: keyboard review on the item screen, auto-apply of queue filters.
// Plain JavaScript, no dependencies, nothing loaded from elsewhere.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function setupQueue() {
    var form = document.getElementById("filters");
    if (!form) return;
    form.querySelectorAll("select, input[type=checkbox]").forEach(function (el) {
      el.addEventListener("change", function () { form.submit(); });
    });
  }

  function setupItem() {
    var form = document.getElementById("decide-form");
    if (!form) return;
    var status = document.getElementById("status");
    var busy = false;
    var nav = {};
    form.querySelectorAll("input[data-nav]").forEach(function (el) { nav[el.name] = el.value; });

    function decide(action, label) {
      if (busy) return;
      busy = true;
      status.textContent = "saving…";
      fetch("/api/decide", {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
        body: JSON.stringify({item: form.dataset.item, action: action, label: label || null, nav: nav})
      }).then(function (resp) {
        return resp.json().then(function (body) { return {ok: resp.ok, body: body}; });
      }).then(function (r) {
        if (!r.ok) throw new Error(r.body.error || "not saved");
        status.textContent = "saved: " + r.body.saved.action + (r.body.saved.label ? " " + r.body.saved.label : "");
        window.location.assign(r.body.next_url);
      }).catch(function (err) {
        busy = false;
        status.textContent = "NOT saved: " + err.message;
        status.classList.add("error");
      });
    }

    // multi-label: the class boxes are the edited set; Enter saves it
    var multi = form.dataset.multi === "1";
    var boxes = form.querySelectorAll("input[type=checkbox][name=label]");
    function checkedSet() {
      var out = [];
      boxes.forEach(function (b) { if (b.checked) out.push(b.value); });
      return out;
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var b = ev.submitter;
      if (!b) return;
      if (b.name === "label") decide("correct", b.value);
      else if (multi && b.value === "correct") decide("correct", checkedSet());
      else decide(b.value, null);
    });

    var classButtons = form.querySelectorAll("button.cls");
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      var t = ev.target.tagName;
      if ((t === "INPUT" && ev.target.type !== "checkbox") || t === "SELECT" || t === "TEXTAREA") return;
      var k = ev.key;
      if (k >= "1" && k <= "9") {
        var i = parseInt(k, 10) - 1;
        if (multi) {
          if (boxes[i]) { ev.preventDefault(); boxes[i].checked = !boxes[i].checked; }
          return;
        }
        var b = classButtons[i];
        if (b) { ev.preventDefault(); decide("correct", b.value); }
      } else if (k === "Enter") {
        ev.preventDefault();
        if (multi) decide("correct", checkedSet());
        else decide("accept", null);
      } else if (k === "r" || k === "R") {
        ev.preventDefault(); decide("relabel", null);
      } else if (k === "j" || k === "J") {
        var n = document.getElementById("next");
        if (n) window.location.assign(n.href);
      } else if (k === "k" || k === "K") {
        var p = document.getElementById("prev");
        if (p) window.location.assign(p.href);
      }
    });
  }

  setupQueue();
  setupItem();
})();
