// The service worker (served at /sw.js, scope /; exchange/web/offline.py writes the lines
// before this file: `self.EXCHANGE`, with this version's precache list and script URLs).
//
// Workbox does the routing and caching (vendored: static/vendor/workbox/):
// - precached at install: the shell's styles and scripts, the QR decoder and its
//   WebAssembly, and three pages rendered for nobody in particular: /offline (what a page
//   never seen shows without network), /scan (the installed app's start) and /queue;
// - the pages people read (items, lists, the scanner, their reservations): network first,
//   kept (the last MAX_PAGES opened), each marked with when it was fetched; offline, the
//   kept copy is shown with that time on it (<html data-seen>), else /offline;
// - static files (named by their content hash) and photos: cache first, kept;
// - an action's form sent without network (reserve, release, use, move, recycle, discard,
//   an intake on a pre-printed label) goes to the outbox (static/js/outbox.js) with the
//   moment it was taken, and is sent when the network returns (Background Sync here, the
//   `online` event and every page load in offline.js).
//
// A new version (any precached file or page changed: /sw.js changes) installs, takes over
// at once (skipWaiting + clients.claim) and drops the caches of older formats; the open
// pages reload or offer to (offline.js).
/* global workbox, Outbox */
"use strict";

var E = self.EXCHANGE;
importScripts(E.scripts.workbox, E.scripts.outbox);
workbox.setConfig({
  debug: false,
  modulePathCb: function (name) {
    return E.modules[name];
  },
});
// Workbox loads a module when it is first named: all of them now, while importScripts works.
var precaching = workbox.precaching;
var routing = workbox.routing;
var strategies = workbox.strategies;
var expiration = workbox.expiration;
workbox.core.setCacheNameDetails({ prefix: "exchange" });

var PAGES_CACHE = "exchange-pages-v1";
var STATIC_CACHE = "exchange-static-v1";
var MEDIA_CACHE = "exchange-media-v1";
var MAX_PAGES = 300; // DESIGN.md asks for at least the last 200 opened
var KEPT = [PAGES_CACHE, STATIC_CACHE, MEDIA_CACHE];
var SEEN = "X-Exchange-Seen";
// The pages worth having on the floor; the rest (figures, admin, labels) need the network.
var PAGE_PATHS = /^\/(?:|scan|items|items\/new|i\/[^/]+|me\/reservations|queue)$/;
var ACTION_PATHS = /^\/(?:i\/[^/]+\/[a-z-]+|items\/new)$/;

precaching.precache(E.precache);

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              // Ours, of an older format (Workbox's precache keeps its own revisions).
              return name.indexOf("exchange-") === 0 && KEPT.indexOf(name) < 0 && name.indexOf("exchange-precache") !== 0;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

// --- reading --------------------------------------------------------------------------------

var stampWhenSeen = {
  // Only a page's 200 is kept, with the moment it was fetched.
  cacheWillUpdate: function (args) {
    var response = args.response;
    var type = response.headers.get("content-type") || "";
    if (response.status !== 200 || type.indexOf("text/html") !== 0) return null;
    return response.blob().then(function (blob) {
      var headers = new Headers(response.headers);
      headers.set(SEEN, new Date().toISOString());
      return new Response(blob, { status: 200, statusText: response.statusText, headers: headers });
    });
  },
  // Shown from the cache: the page says so, and when it was seen.
  cachedResponseWillBeUsed: function (args) {
    var cached = args.cachedResponse;
    if (!cached) return null;
    var seen = cached.headers.get(SEEN) || "";
    return cached.text().then(function (html) {
      var marked = html.replace(/<html\b/i, '<html data-seen="' + seen.replace(/[^0-9TZ:.+-]/g, "") + '"');
      return new Response(marked, { status: 200, headers: cached.headers });
    });
  },
};

var pages = new strategies.NetworkFirst({
  cacheName: PAGES_CACHE,
  // Pages answer per language and login (Vary: Accept-Language, Cookie); the phone has one
  // person at a time (the copies are dropped at logout), so a kept copy matches its URL.
  matchOptions: { ignoreVary: true },
  networkTimeoutSeconds: 6, // a basement's last bar of signal: the kept copy rather than a spinner
  plugins: [stampWhenSeen, new expiration.ExpirationPlugin({ maxEntries: MAX_PAGES, purgeOnQuotaError: true })],
});

// Forms whose address only pre-fills them (the intake form's ?code= of a pre-printed label):
// any kept copy of the form will do.
var PREFILLED_FORMS = ["/items/new"];

function offlinePage(url) {
  var form = PREFILLED_FORMS.indexOf(url.pathname) >= 0
    ? caches.open(PAGES_CACHE).then(function (cache) {
        return cache.match(url.pathname, { ignoreVary: true, ignoreSearch: true });
      }).then(function (copy) {
        return copy ? stampWhenSeen.cachedResponseWillBeUsed({ cachedResponse: copy }) : null;
      })
    : Promise.resolve(null);
  // /scan and /queue work from their precached copy; any other page: the offline page.
  var shell = E.shells[url.pathname];
  return form.then(function (copy) {
    return copy || (shell ? precaching.matchPrecache(shell) : null);
  }).then(function (copy) {
    return copy || precaching.matchPrecache(E.shells["/offline"]);
  });
}

routing.registerRoute(
  function (options) {
    var url = options.url;
    var request = options.request;
    return (
      url.origin === self.location.origin &&
      PAGE_PATHS.test(url.pathname) &&
      (request.mode === "navigate" || request.headers.get("X-Exchange-Warm") === "1")
    );
  },
  function (options) {
    return pages.handle(options).catch(function () {
      return offlinePage(options.url).then(function (page) {
        return page || Response.error();
      });
    });
  }
);

var staticFiles = new strategies.CacheFirst({
  cacheName: STATIC_CACHE,
  // Named by content hash (?v=): a kept copy is never stale. Older versions' files stay a
  // while, for the kept pages that link them.
  plugins: [new expiration.ExpirationPlugin({ maxEntries: 80, purgeOnQuotaError: true })],
});

routing.registerRoute(
  function (options) {
    return options.url.origin === self.location.origin && options.url.pathname.indexOf("/static/") === 0;
  },
  function (options) {
    return precaching.matchPrecache(options.request.url).then(function (copy) {
      return copy || staticFiles.handle(options);
    });
  }
);

routing.registerRoute(
  function (options) {
    return options.url.origin === self.location.origin && options.url.pathname.indexOf("/media/") === 0;
  },
  new strategies.CacheFirst({
    cacheName: MEDIA_CACHE,
    plugins: [new expiration.ExpirationPlugin({ maxEntries: 200, purgeOnQuotaError: true })],
  })
);

// --- acting ---------------------------------------------------------------------------------

function notifyPages() {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (clients) {
    clients.forEach(function (client) {
      client.postMessage({ type: "outbox-changed" });
    });
  });
}

function askForSync() {
  if (self.registration.sync) return self.registration.sync.register(Outbox.SYNC_TAG).catch(function () {});
  return Promise.resolve();
}

// A form sent from a page (a navigation): to the server, or to the outbox when there is no
// network. Sent by a script (the outbox itself), a failure is the script's to handle.
routing.registerRoute(
  function (options) {
    return (
      options.url.origin === self.location.origin &&
      options.request.mode === "navigate" &&
      ACTION_PATHS.test(options.url.pathname)
    );
  },
  function (options) {
    var request = options.request;
    var copy = request.clone();
    var url = options.url;
    return fetch(request).catch(function (error) {
      return Promise.all([copy.formData(), Outbox.getSession()]).then(function (got) {
        var session = got[1];
        var entry = Outbox.entryFromForm(url.pathname, got[0], session && session.member, new Date());
        if (!entry) {
          return offlinePage(new URL(E.shells["/offline"], url)).then(function (page) {
            if (!page) throw error;
            return page;
          });
        }
        return Outbox.enqueue(entry).then(function (kept) {
          askForSync();
          notifyPages();
          var back = kept.action === "intake" ? "/queue" : "/i/" + encodeURIComponent(kept.code);
          return Response.redirect(back, 303);
        });
      });
    });
  },
  "POST"
);

// Logging out: the kept pages were this person's (names, forms); the next one starts afresh.
routing.registerRoute(
  function (options) {
    return options.url.origin === self.location.origin && options.url.pathname === "/logout";
  },
  function (options) {
    return caches.delete(PAGES_CACHE).then(function () {
      return fetch(options.request);
    });
  },
  "POST"
);

// --- sending what waits ---------------------------------------------------------------------

function csrfToken() {
  // The session's token, as the pages send it (the cookie is readable by design: CSRFConfig
  // cookie_httponly=False); without the Cookie Store API, the one kept with each form.
  if (!self.cookieStore) return Promise.resolve(null);
  return self.cookieStore.get(E.csrfCookie).then(
    function (cookie) {
      return cookie ? cookie.value : null;
    },
    function () {
      return null;
    }
  );
}

self.addEventListener("sync", function (event) {
  if (event.tag !== Outbox.SYNC_TAG) return;
  event.waitUntil(
    Outbox.replay(csrfToken).then(function (outcome) {
      notifyPages();
      // Still waiting for the network: Background Sync tries again later.
      if (outcome.stopped === "network" || outcome.stopped === "server") throw new Error("outbox: " + outcome.stopped);
    })
  );
});
