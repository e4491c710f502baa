// The outbox: actions taken on the workshop floor without network, kept on the phone
// (IndexedDB) until the server has them. One classic script for both sides: the service
// worker (static/js/service-worker.js) puts a form it could not send here, and both the
// worker (Background Sync) and the pages (static/js/offline.js: at every load and on the
// `online` event) send what waits, in the order it was taken.
//
// Each action keeps the form as it was filled, its Idempotency-Key (the form's `_idem`) and
// its `occurred_at` (the moment it was taken). It is sent back to the same form route with
// `Accept: application/json`: the route answers {ok, ...} in JSON, and the key makes a
// second sending of the same action answer the first one's result without acting again.
// An answer that refuses the action (409: someone took the piece meanwhile; 422; 403) is
// final: the action leaves the queue for the `refused` list, with the server's reason in
// the person's language. No answer, a server error or a lost login leave it waiting.
(function (scope) {
  "use strict";

  var DB_NAME = "exchange-outbox";
  var DB_VERSION = 1;
  var LOCK = "exchange-outbox";
  var CHANNEL = "exchange-outbox";
  var SYNC_TAG = "exchange-outbox";
  // The actions that need no answer to be taken (DESIGN.md, "On the workshop floor").
  var QUEUEABLE = ["reserve", "extend", "release", "use", "move", "recycle", "discard", "intake"];

  var opening = null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          // `id` grows with each action: the order they were taken in.
          var actions = db.createObjectStore("actions", { keyPath: "id", autoIncrement: true });
          actions.createIndex("key", "key", { unique: true });
          db.createObjectStore("refused", { keyPath: "id", autoIncrement: true });
          db.createObjectStore("state", { keyPath: "name" });
        };
        request.onsuccess = function () {
          resolve(request.result);
        };
        request.onerror = function () {
          opening = null;
          reject(request.error);
        };
      });
    }
    return opening;
  }

  function run(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(store, mode);
        var result;
        transaction.oncomplete = function () {
          resolve(result);
        };
        transaction.onerror = transaction.onabort = function () {
          reject(transaction.error);
        };
        work(transaction.objectStore(store), function (value) {
          result = value;
        });
      });
    });
  }

  function all(store) {
    return run(store, "readonly", function (objects, done) {
      var request = objects.getAll();
      request.onsuccess = function () {
        done(request.result);
      };
    });
  }

  function changed() {
    if (typeof BroadcastChannel !== "undefined") {
      var channel = new BroadcastChannel(CHANNEL);
      channel.postMessage({ type: "outbox-changed" });
      channel.close();
    }
  }

  /** What the person sees of an action: from a form route's path and its fields. */
  function describe(path, fields) {
    var match = /^\/i\/([^/]+)\/([a-z-]+)$/.exec(path);
    if (match) return { code: decodeURIComponent(match[1]), action: match[2] };
    if (path === "/items/new") {
      var code = "";
      fields.forEach(function (pair) {
        if (pair[0] === "code") code = String(pair[1]).trim().toUpperCase();
      });
      return { code: code, action: "intake" };
    }
    return null;
  }

  /**
   * A form the worker could not send → the entry kept for it, or null when it is not an
   * action that can wait (cutting a piece needs the server's answer: new codes).
   */
  function entryFromForm(path, formData, member, now) {
    var fields = [];
    formData.forEach(function (value, name) {
      fields.push([name, value]);
    });
    var what = describe(path, fields);
    if (!what || QUEUEABLE.indexOf(what.action) < 0) return null;
    if (what.action === "intake" && !what.code) return null; // the label's code makes it known offline
    var key = formData.get("_idem") || (scope.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()));
    var occurred = (now || new Date()).toISOString();
    fields = fields.filter(function (pair) {
      return pair[0] !== "_idem" && pair[0] !== "occurred_at";
    });
    fields.push(["_idem", key], ["occurred_at", occurred]);
    return {
      path: path,
      fields: fields,
      key: key,
      occurred_at: occurred,
      code: what.code,
      action: what.action,
      member: member || null,
    };
  }

  /** Keep `entry`; the same key twice is one action (a double tap), kept once. */
  function enqueue(entry) {
    return run("actions", "readwrite", function (actions, done) {
      var existing = actions.index("key").get(entry.key);
      existing.onsuccess = function () {
        if (existing.result) {
          done(existing.result);
          return;
        }
        var added = actions.add(entry);
        added.onsuccess = function () {
          entry.id = added.result;
          done(entry);
        };
      };
    }).then(function (kept) {
      changed();
      return kept;
    });
  }

  function remove(store, id) {
    return run(store, "readwrite", function (objects) {
      objects.delete(id);
    }).then(changed);
  }

  function refuse(entry, status, detail) {
    return run("refused", "readwrite", function (refused) {
      refused.add({
        path: entry.path,
        code: entry.code,
        action: entry.action,
        occurred_at: entry.occurred_at,
        member: entry.member,
        status: status,
        detail: detail,
        refused_at: new Date().toISOString(),
      });
    }).then(function () {
      return remove("actions", entry.id);
    });
  }

  function setSession(session) {
    return run("state", "readwrite", function (state) {
      state.put({ name: "session", value: session });
    });
  }

  function getSession() {
    return run("state", "readonly", function (state, done) {
      var request = state.get("session");
      request.onsuccess = function () {
        done(request.result ? request.result.value : null);
      };
    });
  }

  function body(entry, csrf) {
    var blobs = entry.fields.some(function (pair) {
      return typeof pair[1] !== "string";
    });
    var form = blobs ? new FormData() : new URLSearchParams();
    entry.fields.forEach(function (pair) {
      if (pair[0] === "_csrf_token") return;
      if (typeof pair[1] === "string") form.append(pair[0], pair[1]);
      else form.append(pair[0], pair[1], pair[1].name || "photo");
    });
    var kept = entry.fields.filter(function (pair) {
      return pair[0] === "_csrf_token";
    });
    form.append("_csrf_token", csrf || (kept.length ? kept[0][1] : ""));
    return form;
  }

  function readJson(response) {
    var type = response.headers.get("content-type") || "";
    if (type.indexOf("json") < 0) return Promise.resolve(null);
    return response.json().catch(function () {
      return null;
    });
  }

  /**
   * Send `entry`; resolves to "sent", "refused" or a reason to stop for now ("network",
   * "login", "server", "csrf").
   */
  function send(entry, csrf) {
    var headers = { Accept: "application/json" };
    if (csrf) headers["X-CSRFToken"] = csrf;
    return fetch(entry.path, {
      method: "POST",
      body: body(entry, csrf),
      headers: headers,
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store",
    }).then(
      function (response) {
        if (response.type === "opaqueredirect" || response.status === 401) return "login";
        return readJson(response).then(function (answer) {
          if (response.ok) return remove("actions", entry.id).then(function () {
            return "sent";
          });
          if (answer && answer.ok === false) {
            return refuse(entry, response.status, answer.detail || "").then(function () {
              return "refused";
            });
          }
          if (response.status === 403) return "csrf"; // the form's token, not the ledger
          if (response.status >= 500 || response.status === 429 || response.status === 408) return "server";
          return refuse(entry, response.status, "").then(function () {
            return "refused";
          });
        });
      },
      function () {
        return "network";
      }
    );
  }

  /**
   * Send every action the current member took, oldest first; stops at the first that
   * cannot go now. `csrf` is a function giving the session's CSRF token (or null).
   * Resolves to {sent, refused, stopped, held}.
   */
  function replay(csrf) {
    var outcome = { sent: 0, refused: 0, stopped: null, held: 0 };
    function work() {
      return Promise.all([all("actions"), getSession(), Promise.resolve(csrf ? csrf() : null)]).then(function (got) {
        var entries = got[0].sort(function (a, b) {
          return a.id - b.id;
        });
        var session = got[1];
        var token = got[2];
        var mine = entries.filter(function (entry) {
          return session && session.member && (!entry.member || entry.member === session.member);
        });
        outcome.held = entries.length - mine.length;
        var chain = Promise.resolve();
        mine.forEach(function (entry) {
          chain = chain.then(function () {
            if (outcome.stopped) return;
            return send(entry, token).then(function (result) {
              if (result === "sent") outcome.sent += 1;
              else if (result === "refused") outcome.refused += 1;
              else outcome.stopped = result;
            });
          });
        });
        return chain.then(function () {
          return outcome;
        });
      });
    }
    // One sender at a time across the pages and the worker (each action is sent once; its
    // key covers the rest).
    if (scope.navigator && navigator.locks) return navigator.locks.request(LOCK, work);
    return work();
  }

  scope.Outbox = {
    CHANNEL: CHANNEL,
    SYNC_TAG: SYNC_TAG,
    QUEUEABLE: QUEUEABLE,
    entryFromForm: entryFromForm,
    enqueue: enqueue,
    actions: function () {
      return all("actions").then(function (entries) {
        return entries.sort(function (a, b) {
          return a.id - b.id;
        });
      });
    },
    refused: function () {
      return all("refused");
    },
    dismiss: function (id) {
      return remove("refused", id);
    },
    setSession: setSession,
    getSession: getSession,
    replay: replay,
  };
})(self);
