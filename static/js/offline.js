// Every page's part of working without network (loaded by base.html after outbox.js):
// - registers the service worker (/sw.js) and, when a new version takes over, reloads the
//   page (or offers to, when something was typed in it);
// - shows in the header how many actions wait in the outbox, lists them on /queue, and on an
//   item's page the ones taken on that piece;
// - sends what waits at every page load and when the network returns (the `online` event);
//   an action the server refused on arrival is explained until the person dismisses it;
// - on a page shown from the phone's copy (<html data-seen>, set by the worker), says when
//   it was seen, and gives its forms fresh Idempotency-Keys (the copy's were used);
// - on the offline page opened for a label never seen, lets a steward log an item on it.
//
// Words come translated in <div id="offline-words" data-words="{JSON}">.
/* global Outbox */
(function () {
  "use strict";
  if (!window.Outbox || !window.indexedDB) return;

  var root = document.documentElement;
  var body = document.body;
  var lang = root.lang || "fr";
  var words = {};
  try {
    words = JSON.parse(document.getElementById("offline-words").dataset.words);
  } catch (error) {
    words = {};
  }
  var fromCopy = root.hasAttribute("data-seen");
  var shell = body.hasAttribute("data-shell"); // rendered for nobody: it knows no session
  var itemMatch = /^\/i\/([^/]+)$/.exec(location.pathname);
  var pageCode = itemMatch ? decodeURIComponent(itemMatch[1]) : null;
  var typed = false;

  function say(key, values) {
    var text = words[key] || key;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(values[name]);
    });
    return text;
  }

  function counted(key, n) {
    var form = new Intl.PluralRules(lang).select(n) === "one" ? "one" : "other";
    return say(key + "_" + form, { n: new Intl.NumberFormat(lang).format(n) });
  }

  function when(iso) {
    var date = new Date(iso);
    if (isNaN(date)) return iso;
    return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }).format(date);
  }

  function actionName(entry) {
    return say("action_" + entry.action.replace("-", "_"), { code: entry.code });
  }

  function element(tag, attributes, children) {
    var made = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") made.textContent = attributes[name];
      else made.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      if (child) made.appendChild(child);
    });
    return made;
  }

  // --- notes at the top of the page ---------------------------------------------------------

  var notes = element("div", { class: "offline-notes", "data-offline-notes": "" });
  var main = document.getElementById("main");
  if (main) main.insertBefore(notes, main.firstChild);

  function note(name, level, text, extra) {
    var old = notes.querySelector('[data-note="' + name + '"]');
    if (old) old.remove();
    if (!text) return null;
    var shown = element("div", {
      class: "flash flash-" + level,
      role: level === "error" ? "alert" : "status",
      "data-note": name,
    }, [element("p", { text: text })].concat(extra || []));
    notes.appendChild(shown);
    return shown;
  }

  // --- the session, as the pages know it ---------------------------------------------------

  var session = body.dataset.member ? { member: Number(body.dataset.member), role: body.dataset.role || "member" } : null;
  var sessionKnown = fromCopy || shell ? Outbox.getSession() : Outbox.setSession(session).then(function () {
    return session;
  });

  function csrf() {
    var name = body.dataset.csrfCookie || "exchange_csrf";
    function read() {
      var found = document.cookie.split("; ").filter(function (pair) {
        return pair.indexOf(name + "=") === 0;
      })[0];
      return found ? decodeURIComponent(found.slice(name.length + 1)) : null;
    }
    var token = read();
    if (token) return Promise.resolve(token);
    // No token yet (a new browser session): any page sets it.
    return fetch("/healthz", { credentials: "same-origin", cache: "no-store" }).then(read, function () {
      return null;
    });
  }

  // --- what waits --------------------------------------------------------------------------

  var badge = document.querySelector("[data-outbox-count]");

  function refresh() {
    return Promise.all([Outbox.actions(), Outbox.refused(), sessionKnown]).then(function (got) {
      var waiting = got[0];
      var refused = got[1];
      var current = got[2];
      if (badge) {
        badge.hidden = waiting.length === 0;
        badge.textContent = counted("waiting", waiting.length);
        body.dataset.outboxWaiting = String(waiting.length);
      }
      if (pageCode) {
        var here = waiting.filter(function (entry) {
          return entry.code === pageCode;
        });
        note(
          "here",
          "info",
          here.length
            ? say("queued_here", {
                actions: here
                  .map(function (entry) {
                    return actionName(entry) + " (" + when(entry.occurred_at) + ")";
                  })
                  .join(", "),
              })
            : ""
        );
      }
      notes.querySelectorAll('[data-note^="refused-"]').forEach(function (shown) {
        shown.remove();
      });
      refused
        .filter(function (entry) {
          return !current || !entry.member || entry.member === current.member;
        })
        .forEach(function (entry) {
          var dismiss = element("button", { type: "button", text: say("dismiss") });
          dismiss.addEventListener("click", function () {
            Outbox.dismiss(entry.id).then(refresh);
          });
          note(
            "refused-" + entry.id,
            "error",
            say("refused", {
              action: actionName(entry),
              code: entry.code,
              when: when(entry.occurred_at),
              detail: entry.detail || say("refused_generic"),
            }),
            [element("p", {}, [dismiss])]
          );
        });
      if (queueList) showQueue(waiting, refused, current);
      return waiting;
    });
  }

  var sending = null;

  function sendNow() {
    if (!navigator.onLine || sending) return sending || Promise.resolve(null);
    sending = Outbox.replay(csrf)
      .then(function (outcome) {
        if (outcome.sent) note("sent", "ok", counted("sent", outcome.sent));
        if (outcome.stopped === "login") note("sent", "error", say("login_needed"));
        return refresh().then(function () {
          // This page is an old copy and its piece has moved on: show what the server has now.
          if (outcome.sent && fromCopy && pageCode) location.reload();
          return outcome;
        });
      })
      .catch(function (error) {
        console.warn("outbox: could not send", error);
        return null;
      })
      .finally(function () {
        sending = null;
      });
    return sending;
  }

  // --- /queue: the list ---------------------------------------------------------------------

  var queueList = document.getElementById("queue-actions");

  function showQueue(waiting, refused, current) {
    var list = queueList;
    var refusedList = document.getElementById("queue-refused");
    var empty = document.getElementById("queue-empty");
    list.textContent = "";
    waiting.forEach(function (entry) {
      var held = current && entry.member && entry.member !== current.member;
      list.appendChild(
        element("li", { "data-action": entry.action, "data-code": entry.code }, [
          element("strong", { text: actionName(entry) }),
          document.createTextNode(" · "),
          entry.code ? element("a", { class: "code", href: "/i/" + encodeURIComponent(entry.code), text: entry.code }) : null,
          document.createTextNode(" · " + say("taken_at", { when: when(entry.occurred_at) })),
          held ? element("p", { class: "hint", text: say("held") }) : null,
        ])
      );
    });
    if (empty) empty.hidden = waiting.length > 0;
    if (refusedList) {
      refusedList.textContent = "";
      refused.forEach(function (entry) {
        refusedList.appendChild(
          element("li", { "data-code": entry.code }, [
            element("strong", { text: actionName(entry) }),
            document.createTextNode(" · " + entry.code + " · " + (entry.detail || say("refused_generic"))),
          ])
        );
      });
      refusedList.closest("section").hidden = refused.length === 0;
    }
  }

  var sendButton = document.getElementById("queue-send");
  if (sendButton) sendButton.addEventListener("click", sendNow);

  // --- a page from the phone's copy ---------------------------------------------------------

  if (fromCopy) {
    body.dataset.fromCopy = "";
    note("seen", "info", say("seen", { when: when(root.dataset.seen) }));
    // The copy's keys were those of the page as it was then: each new action gets its own.
    if (window.crypto && crypto.randomUUID) {
      document.querySelectorAll('input[name="_idem"]').forEach(function (input) {
        input.value = crypto.randomUUID();
      });
    }
  }

  // The offline page, opened for a label never seen: a pre-printed blank one can be logged.
  var blank = document.querySelector("[data-offline-blank]");
  var labelLine = document.querySelector("[data-offline-label]");
  if (blank && labelLine && pageCode) {
    labelLine.querySelector("[data-offline-code]").textContent = pageCode;
    labelLine.hidden = false;
    sessionKnown.then(function (current) {
      if (current && (current.role === "steward" || current.role === "coordinator")) {
        blank.querySelector("a").href = "/items/new?code=" + encodeURIComponent(pageCode);
        blank.hidden = false;
      }
    });
  }

  // The intake form opened offline from its copy: the label's code from the address.
  var intake = document.getElementById("intake");
  var intakeCode = new URLSearchParams(location.search).get("code");
  if (intake && intakeCode && !intake.querySelector('[name="code"]')) {
    var field = element("input", {
      id: "new-code",
      name: "code",
      type: "text",
      class: "code",
      readonly: "",
      value: intakeCode.trim().toUpperCase(),
    });
    var label = element("label", { for: "new-code", text: say("intake_code") });
    var idem = intake.querySelector('input[name="_idem"]');
    intake.insertBefore(element("p", {}, [label, field]), idem ? idem.nextSibling : intake.firstChild);
  }

  // A steward's intake form, kept ready for a label scanned offline (once an hour at most).
  sessionKnown.then(function (current) {
    var steward = current && (current.role === "steward" || current.role === "coordinator");
    var last = Number(localStorage.getItem("exchange-warm") || 0);
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller; // it keeps the copy
    if (!steward || !worker || fromCopy || !navigator.onLine || Date.now() - last < 3600e3) return;
    localStorage.setItem("exchange-warm", String(Date.now()));
    fetch("/items/new", { credentials: "same-origin", headers: { "X-Exchange-Warm": "1" } }).catch(function () {});
  });

  // --- the service worker ------------------------------------------------------------------

  document.addEventListener("input", function () {
    typed = true;
  }, true);

  if ("serviceWorker" in navigator) {
    var hadWorker = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (!hadWorker) {
        hadWorker = true; // the first install took this page over: nothing is stale
        return;
      }
      // A new version: this page may link files it no longer has.
      if (!typed) {
        location.reload();
        return;
      }
      var reload = element("button", { type: "button", text: say("reload") });
      reload.addEventListener("click", function () {
        location.reload();
      });
      note("update", "info", say("update"), [element("p", {}, [reload])]);
    });
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox-changed") refresh();
    });
    navigator.serviceWorker.register("/sw.js", { scope: "/", updateViaCache: "none" }).catch(function (error) {
      console.warn("offline: no service worker", error);
    });
  }

  if (typeof BroadcastChannel !== "undefined") {
    new BroadcastChannel(Outbox.CHANNEL).onmessage = refresh;
  }
  window.addEventListener("online", sendNow);
  window.addEventListener("offline", function () {
    note("sent", "info", "");
  });

  refresh().then(function (waiting) {
    if (waiting.length) sendNow();
  });
})();
