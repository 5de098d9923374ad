// Behaviour of the pages, kept out of the HTML: the Content-Security-Policy allows no inline script.
"use strict";

// A <select data-submit-on-change> submits its form when a choice is made (the language switcher).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-submit-on-change") && target.form) {
    target.form.submit();
  }
});

// Sign-out erases what the visit kit keeps on this device (docs/visit-kit.md): every cache, the
// service worker and the IndexedDB store. Records not sent yet would go with them: ask first.
var KIT_DB = "otbasy-visit-kit";

function kitWaitingRecords() {
  if (!window.indexedDB || !indexedDB.databases) { return Promise.resolve(0); }
  return indexedDB.databases().then(function (dbs) {
    if (!dbs.some(function (d) { return d.name === KIT_DB; })) { return 0; }
    return new Promise(function (resolve) {
      var open = indexedDB.open(KIT_DB);
      open.onerror = function () { resolve(0); };
      open.onsuccess = function () {
        var db = open.result;
        if (!db.objectStoreNames.contains("queue")) { db.close(); resolve(0); return; }
        var count = db.transaction("queue").objectStore("queue").count();
        count.onsuccess = function () { db.close(); resolve(count.result); };
        count.onerror = function () { db.close(); resolve(0); };
      };
    });
  }).catch(function () { return 0; });
}

function eraseKitData() {
  var jobs = [];
  if (window.caches) {
    jobs.push(caches.keys().then(function (keys) { return Promise.all(keys.map(function (k) { return caches.delete(k); })); }));
  }
  if (navigator.serviceWorker) {
    jobs.push(navigator.serviceWorker.getRegistrations().then(function (regs) {
      return Promise.all(regs.map(function (r) { return r.unregister(); }));
    }));
  }
  if (window.indexedDB) {
    jobs.push(new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase(KIT_DB);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    }));
  }
  // The sign-out answer's Clear-Site-Data erases them too; never keep the user waiting on this.
  return Promise.race([Promise.all(jobs).catch(function () {}), new Promise(function (r) { setTimeout(r, 3000); })]);
}

document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-sign-out")) { return; }
  event.preventDefault();
  kitWaitingRecords().then(function (waiting) {
    if (waiting > 0 && !window.confirm(form.getAttribute("data-unsent-message") || "")) { return; }
    eraseKitData().then(function () {
      // A page kept by the service worker may hold an old token: the cookie's is the current one.
      var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      var field = form.querySelector("input[name=csrfmiddlewaretoken]");
      if (match && field) { field.value = decodeURIComponent(match[1]); }
      form.submit();
    });
  });
});

// A submit button with data-confirm asks first (approving or refusing a family, approving or
// rejecting a decision): the question, translated, is the attribute's value. Cancelled: not sent.
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  if (!button || !button.hasAttribute("data-confirm")) { return; }
  if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
}, true);
