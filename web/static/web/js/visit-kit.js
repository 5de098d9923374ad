// The visit kit (docs/visit-kit.md): prepare the worker's visits into IndexedDB (through idb),
// record visits without a connection into a queue with ids made on the device, send the queue
// ("Send now", or by itself when the connection returns). Nothing here is inline: the CSP allows
// no inline script. The strings come translated from the page (json_script "kit-strings").
"use strict";
(function () {
  var root = document.getElementById("visit-kit");
  if (!root || !window.idb) { return; }
  var S = JSON.parse(document.getElementById("kit-strings").textContent);
  var USER = Number(root.dataset.user);
  var DB_NAME = "otbasy-visit-kit";
  var form = document.getElementById("kit-form");
  var sending = false;
  var editing = null; // {visit, device_id} of the record the form is filling

  function fmt(text, args) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return String(args[key]); });
  }
  // Dates and times as the pages write them (the server's SHORT_DATE_FORMAT and SHORT_DATETIME_FORMAT,
  // "d.m.Y" and "d.m.Y H:i" in every language), never in the browser's locale. The server sends a
  // date as "2026-07-04" and a time as "2026-12-16T00:00:00+05:00" in its own zone: the digits are
  // taken as written, so the device's zone does not shift them.
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function formatParts(format, parts) {
    var codes = {d: pad(parts.d), j: String(parts.d), m: pad(parts.m), n: String(parts.m), Y: String(parts.y),
      y: pad(parts.y % 100), H: pad(parts.H || 0), i: pad(parts.i || 0)};
    return format.replace(/\\(.)|([djmnYyHi])/g, function (_, escaped, code) { return escaped || codes[code]; });
  }
  function dateText(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? formatParts(S.date_format, {y: +m[1], m: +m[2], d: +m[3]}) : (iso || "");
  }
  function dateTimeText(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || "");
    return m ? formatParts(S.datetime_format, {y: +m[1], m: +m[2], d: +m[3], H: +m[4], i: +m[5]}) : (iso || "");
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function localToday() {
    var d = new Date();
    return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  }
  function say(id, text, html) {
    var node = document.getElementById(id);
    node.textContent = text || "";
    if (html) { node.appendChild(html); }
  }

  // The database closes itself when another page (sign-out) deletes it, so deleting is never blocked.
  var dbPromise = idb.openDB(DB_NAME, 1, {
    upgrade: function (db) {
      db.createObjectStore("meta");
      db.createObjectStore("visits", {keyPath: "id"});
      db.createObjectStore("queue", {keyPath: "device_id"});
    },
    blocking: function () { dbPromise.then(function (db) { db.close(); }); },
  });

  // Prepared data lives until the package's expiry (end of the window) and belongs to one worker.
  function purgeExpired() {
    return dbPromise.then(function (db) {
      return db.get("meta", "package").then(function (meta) {
        if (!meta || (Date.parse(meta.expires_at) > Date.now() && meta.user === USER)) { return false; }
        var tx = db.transaction(["meta", "visits"], "readwrite");
        tx.objectStore("meta").delete("package");
        tx.objectStore("visits").clear();
        return tx.done.then(function () { return true; });
      });
    });
  }

  function myQueue(db) {
    return db.getAll("queue").then(function (rows) {
      return rows.filter(function (r) { return r.user === USER; })
        .sort(function (a, b) { return a.made_at < b.made_at ? -1 : 1; });
    });
  }

  function render() {
    say("kit-connection", navigator.onLine ? S.online : S.offline);
    return dbPromise.then(function (db) {
      return Promise.all([db.get("meta", "package"), db.getAll("visits"), myQueue(db)]);
    }).then(function (parts) {
      var meta = parts[0], visits = parts[1], queue = parts[2];
      var queuedVisits = {};
      queue.forEach(function (r) { queuedVisits[r.visit] = r; });
      say("kit-package", meta ? fmt(S.prepared, {count: visits.length, date: dateTimeText(meta.expires_at)})
        : S.nothing_prepared);
      document.getElementById("kit-waiting").textContent = String(queue.length);
      var list = document.getElementById("kit-queue-list");
      list.replaceChildren();
      queue.forEach(function (r) {
        var item = el("li", {"data-device-id": r.device_id}, r.child + " · " + dateText(r.done_on) + " · ");
        if (r.errors) {
          item.appendChild(el("strong", {"class": "error"}, S.refused));
          var errors = el("ul", {"class": "errorlist"});
          Object.keys(r.errors).forEach(function (field) {
            [].concat(r.errors[field]).forEach(function (m) { errors.appendChild(el("li", {"data-field": field}, m)); });
          });
          item.appendChild(errors);
          var fix = el("button", {type: "button", "class": "secondary", "data-fix": r.device_id}, S.edit);
          item.appendChild(fix);
        } else {
          item.appendChild(el("span", {}, S.queued));
        }
        list.appendChild(item);
      });
      var ul = document.getElementById("kit-visits");
      ul.replaceChildren();
      if (!meta) { ul.appendChild(el("li", {"class": "muted"}, S.prepare_first)); }
      else if (!visits.length) { ul.appendChild(el("li", {}, S.no_visits)); }
      visits.sort(function (a, b) { return a.planned_on < b.planned_on ? -1 : (a.planned_on > b.planned_on ? 1 : a.id - b.id); });
      visits.forEach(function (v) {
        var li = el("li", {"class": "card", "data-visit": String(v.id)});
        li.appendChild(el("h3", {}, v.child.name + " · " + fmt(S.years, {age: v.child.age}) + " · " + v.child.sex));
        li.appendChild(el("p", {}, fmt(S.planned, {date: dateText(v.planned_on)}) + " · " + v.kind_label + (v.overdue ? " · " + S.overdue : "")
          + " · " + v.form_of_care));
        // A family registered without an address shows none rather than an empty label.
        li.appendChild(el("p", {}, S.carers + ": " + v.family.carers.join(", ")
          + (v.family.address ? " · " + S.address + ": " + v.family.address : "")));
        var last = v.last_visit;
        li.appendChild(el("p", {"class": "muted"}, last ? fmt(S.last_visit, {date: dateText(last.done_on), child: last.child_condition,
          family: last.family_condition}) + " (" + (last.child_seen ? S.child_seen : S.child_not_seen) + ")" : S.no_last_visit));
        if (v.sent) {
          li.appendChild(el("p", {"class": "kit-sent"}, v.sent));
        } else if (queuedVisits[v.id]) {
          li.appendChild(el("p", {"class": "kit-queued"}, S.queued));
        } else {
          li.appendChild(el("button", {type: "button", "data-record": String(v.id)}, S.record));
        }
        ul.appendChild(li);
      });
    });
  }

  function signInNeeded() {
    say("kit-sync", S.sign_in + " ", el("a", {href: root.dataset.loginUrl}, S.sign_in_link));
  }

  function prepare() {
    say("kit-package", S.preparing);
    fetch(root.dataset.packageUrl, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken()},
      body: "{}",
    }).then(function (response) {
      if (response.status === 401) { signInNeeded(); return null; }
      if (!response.ok) { say("kit-package", S.error); return null; }
      return response.json();
    }).then(function (pkg) {
      if (!pkg) { return null; }
      return dbPromise.then(function (db) {
        var tx = db.transaction(["meta", "visits"], "readwrite");
        tx.objectStore("visits").clear();
        pkg.visits.forEach(function (v) { tx.objectStore("visits").put(v); });
        tx.objectStore("meta").put({user: pkg.user, prepared_at: pkg.prepared_at, expires_at: pkg.expires_at, days: pkg.days},
          "package");
        return tx.done;
      }).then(render);
    }).catch(function () { say("kit-package", S.error); });
  }

  function fieldInput(name) { return form.elements.namedItem(name); }

  function openForm(visit, record) {
    editing = {visit: visit, device_id: record ? record.device_id : null};
    form.reset();
    form.querySelectorAll(".kit-error").forEach(function (n) { n.remove(); });
    document.getElementById("kit-form-title").textContent = visit.child.name + " · " + fmt(S.planned, {date: dateText(visit.planned_on)});
    fieldInput("done_on").value = record ? record.done_on : localToday();
    if (record) {
      // A record saved by an earlier kit always had true or false here.
      if (typeof record.child_seen === "boolean") { fieldInput("child_seen").value = record.child_seen ? "true" : "false"; }
      fieldInput("seen_by").value = record.seen_by;
      fieldInput("child_condition").value = record.child_condition;
      fieldInput("family_condition").value = record.family_condition;
      fieldInput("concerns").value = record.concerns;
      Object.keys(record.checklist).forEach(function (k) {
        var box = fieldInput("check_" + k);
        if (box) { box.checked = record.checklist[k]; }
      });
      Object.keys(record.errors || {}).forEach(function (field) {
        var input = field === "child_seen" ? document.getElementById("id_child_seen")
          : fieldInput(field === "checklist" ? "check_signs_of_harm" : field);
        var anchor = input && input.closest ? input.closest(".form-row") : form.querySelector("h2");
        anchor.appendChild(el("p", {"class": "error kit-error"}, [].concat(record.errors[field]).join(" ")));
      });
    }
    form.hidden = false;
    fieldInput("done_on").focus();
  }

  // Whether the child was seen is an explicit answer (no default): the record is not saved without it,
  // and the question says so beside it, as the server would.
  function childSeenAnswer() {
    var value = fieldInput("child_seen").value;
    return value === "true" ? true : (value === "false" ? false : null);
  }

  function saveForm(event) {
    event.preventDefault();
    form.querySelectorAll(".kit-error-seen").forEach(function (n) { n.remove(); });
    if (childSeenAnswer() === null) {
      var row = document.getElementById("id_child_seen_row");
      row.appendChild(el("p", {"class": "error kit-error kit-error-seen", "id": "kit-child-seen-error"}, S.child_seen_required));
      row.querySelector("input").focus();
      return;
    }
    var checklist = {};
    Array.prototype.forEach.call(form.elements, function (input) {
      if (input.name && input.name.indexOf("check_") === 0) { checklist[input.name.slice(6)] = input.checked; }
    });
    var record = {
      // A record corrected after a refusal keeps its id: the server stored nothing under it.
      device_id: editing.device_id || crypto.randomUUID(), visit: editing.visit.id, user: USER,
      child: editing.visit.child.name, made_at: new Date().toISOString(),
      done_on: fieldInput("done_on").value, child_seen: childSeenAnswer(),
      seen_by: fieldInput("seen_by").value, child_condition: fieldInput("child_condition").value,
      family_condition: fieldInput("family_condition").value, checklist: checklist, concerns: fieldInput("concerns").value,
      errors: null,
    };
    dbPromise.then(function (db) { return db.put("queue", record); }).then(function () {
      form.hidden = true;
      editing = null;
      say("kit-sync", S.saved);
      return render();
    }).then(function () { if (navigator.onLine) { send(); } });
  }

  function body(record) {
    var keys = ["device_id", "visit", "made_at", "done_on", "child_seen", "seen_by", "child_condition", "family_condition",
      "checklist", "concerns"];
    var out = {};
    keys.forEach(function (k) { out[k] = record[k]; });
    return JSON.stringify(out);
  }

  // Each record once, in the order made; a record refused stays (with its reasons) until corrected.
  function send() {
    if (sending) { return Promise.resolve(); }
    sending = true;
    say("kit-sync", S.sending);
    var counts = {recorded: 0, conflicts: 0};
    var stop = null;
    return dbPromise.then(function (db) {
      return myQueue(db).then(function (queue) {
        return queue.filter(function (r) { return !r.errors; }).reduce(function (chain, record) {
          return chain.then(function () {
            if (stop) { return null; }
            return fetch(root.dataset.recordsUrl, {
              method: "POST", credentials: "same-origin", body: body(record),
              headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken()},
            }).then(function (response) {
              if (response.status === 401) { stop = "sign_in"; return null; }
              return response.json().catch(function () { return {}; }).then(function (answer) {
                if (response.status === 200 || response.status === 201) {
                  var text = answer.outcome === "conflict" ? fmt(S.conflict, {reason: answer.conflict_reason_label}) : S.recorded;
                  if (answer.outcome === "conflict") { counts.conflicts += 1; } else { counts.recorded += 1; }
                  var tx = db.transaction(["queue", "visits"], "readwrite");
                  tx.objectStore("queue").delete(record.device_id);
                  tx.objectStore("visits").get(record.visit).then(function (v) {
                    if (v) { v.sent = text; tx.objectStore("visits").put(v); }
                  });
                  return tx.done;
                }
                if (response.status === 400) {
                  record.errors = answer;
                  return db.put("queue", record);
                }
                stop = "error";
                return null;
              });
            });
          });
        }, Promise.resolve());
      });
    }).catch(function () { stop = "error"; }).then(function () {
      sending = false;
      if (stop === "sign_in") { signInNeeded(); } else if (stop === "error") { say("kit-sync", S.error); } else {
        say("kit-sync", fmt(S.sent, counts));
      }
      return render();
    });
  }

  document.getElementById("kit-prepare").addEventListener("click", prepare);
  document.getElementById("kit-send").addEventListener("click", function () { send(); });
  document.getElementById("kit-cancel").addEventListener("click", function () { form.hidden = true; editing = null; });
  form.addEventListener("submit", saveForm);
  root.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) { return; }
    if (target.dataset.record) {
      dbPromise.then(function (db) { return db.get("visits", Number(target.dataset.record)); })
        .then(function (v) { if (v) { openForm(v, null); } });
    } else if (target.dataset.fix) {
      dbPromise.then(function (db) {
        return db.get("queue", target.dataset.fix).then(function (r) {
          return db.get("visits", r.visit).then(function (v) {
            openForm(v || {id: r.visit, child: {name: r.child}, planned_on: r.done_on}, r);
          });
        });
      });
    }
  });
  window.addEventListener("online", function () { render().then(send); });
  window.addEventListener("offline", render);
  setInterval(function () { purgeExpired().then(function (gone) { if (gone) { say("kit-package", S.expired); render(); } }); },
    60000);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.swUrl, {scope: root.dataset.scope}).catch(function () { /* the page still works online */ });
  }
  purgeExpired().then(render).then(function () {
    return dbPromise.then(myQueue).then(function (queue) {
      // Back after signing in (or reopened online): what waits is sent.
      if (navigator.onLine && queue.some(function (r) { return !r.errors; })) { return send(); }
      return null;
    });
  });
}());
