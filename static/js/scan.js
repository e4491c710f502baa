// The /scan page: read a label's QR code with the phone's camera, or take a code typed by
// hand or by a USB keyboard-wedge scanner, and open that item's page (/i/{code}).
//
// Decoding uses the browser's own BarcodeDetector where it reads QR codes, otherwise the
// vendored polyfill (static/vendor/barcode-detector: ZXing in WebAssembly), told where its
// .wasm is so that it never reaches for a CDN. The page's root element says which one is
// in use (data-detector="native" | "polyfill") and what the scanner is doing (data-state).
//
// Everything the script needs from the server comes in data- attributes of #scan:
//   data-item-path   "/i/" on this server
//   data-label-bases space-separated URL prefixes a label of this lieu starts with
//                    ("{base_url}/i/"); this page's own origin + item path is always one
//   data-polyfill    URL of the polyfill's ES module;  data-wasm  URL of zxing_reader.wasm
//   data-msg-*       the messages, already translated
// This file is an ES module: the pure functions are exported so that they can be tested
// on their own; the page wiring runs only in a browser.

export const SCAN_INTERVAL_MS = 200; // about five frames a second: quick, and easy on batteries

// Eight symbols of a code, in any case, with optional spaces or hyphens between them.
// (Crockford base32 and the lookalikes O, I, L; the server checks the check symbol.)
const BARE_CODE = /^[0-9A-Za-z](?:[\s-]*[0-9A-Za-z]){7}$/;
const ITEM_SEGMENT = /(?:^|\/)i\/([^/]+)\/?$/;

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LOOKALIKE = { O: "0", I: "1", L: "1" };

/**
 * Whether `text` is a well-formed code whose check symbol matches (Luhn mod 32, as in
 * exchange/ledger/codes.py). Used for what the camera reads: a QR code holding any other
 * eight letters is not taken for a label.
 */
export function isValidCode(text) {
  const symbols = [...text.replace(/[\s-]+/g, "").toUpperCase()].map((c) => LOOKALIKE[c] || c);
  if (symbols.length !== 8 || symbols.some((c) => !ALPHABET.includes(c))) return false;
  let total = 0;
  let factor = 2; // the rightmost body symbol is doubled
  for (const symbol of symbols.slice(0, 7).reverse()) {
    const addend = factor * ALPHABET.indexOf(symbol);
    total += Math.floor(addend / 32) + (addend % 32);
    factor = 3 - factor;
  }
  return ALPHABET[(32 - (total % 32)) % 32] === symbols[7];
}

/** A bare code tidied for the URL: upper case, no spaces, hyphen after four symbols. */
export function tidyCode(text) {
  const symbols = text.replace(/[\s-]+/g, "").toUpperCase();
  return symbols.length === 8 ? `${symbols.slice(0, 4)}-${symbols.slice(4)}` : text.trim();
}

function parseUrl(text) {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

function segmentAfterI(pathname) {
  const match = ITEM_SEGMENT.exec(pathname);
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

/**
 * What a person typed (or a keyboard-wedge scanner typed) → the code to open, or null.
 * A full label URL (any host) gives its last path segment after /i/; anything else
 * without a slash is taken as a code and left for the server to read forgivingly.
 */
export function codeFromTyped(text) {
  const typed = text.trim();
  if (!typed) return null;
  if (!typed.includes("/")) return tidyCode(typed);
  const url = parseUrl(typed) ?? parseUrl(`http://${typed}`);
  const code = url && segmentAfterI(url.pathname);
  return code ? tidyCode(code) : null;
}

/**
 * What the camera read → the code to open, or null when it is not one of this lieu's
 * labels: a URL under one of `labelBases` ending in /i/{code}, or a bare code.
 */
export function codeFromScanned(text, labelBases) {
  const read = text.trim();
  if (BARE_CODE.test(read)) return isValidCode(read) ? tidyCode(read) : null;
  const url = parseUrl(read);
  if (!url) return null;
  for (const base of labelBases) {
    const prefix = parseUrl(base);
    if (!prefix || url.origin !== prefix.origin) continue;
    const basePath = prefix.pathname.endsWith("/") ? prefix.pathname : `${prefix.pathname}/`;
    if (!url.pathname.startsWith(basePath)) continue;
    const rest = url.pathname.slice(basePath.length).replace(/\/$/, "");
    if (!rest || rest.includes("/")) continue;
    let code = rest;
    try {
      code = decodeURIComponent(rest);
    } catch {
      // keep it as it is
    }
    if (BARE_CODE.test(code)) return tidyCode(code);
  }
  return null;
}

/** The browser's own detector when it reads QR codes, otherwise the vendored polyfill. */
export async function makeDetector({ polyfillUrl, wasmUrl, forcePolyfill = false }) {
  const Native = globalThis.BarcodeDetector;
  if (Native && !forcePolyfill) {
    try {
      const formats = await Native.getSupportedFormats();
      if (formats.includes("qr_code")) {
        return { kind: "native", detector: new Native({ formats: ["qr_code"] }) };
      }
    } catch {
      // a BarcodeDetector that cannot list its formats: use the polyfill
    }
  }
  const api = await import(polyfillUrl);
  // barcode-detector 3.x (pure entry): without this the wasm comes from a CDN.
  api.setZXingModuleOverrides({
    locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path),
  });
  await api.prepareZXingModule({ fireImmediately: true }); // fetch and compile now, not at the first frame
  return { kind: "polyfill", detector: new api.BarcodeDetector({ formats: ["qr_code"] }) };
}

function cameraMessageKey(error) {
  switch (error && error.name) {
    case "NotAllowedError":
    case "SecurityError":
      return "msgDenied";
    case "NotFoundError":
    case "OverconstrainedError":
      return "msgNoCamera";
    case "NotReadableError":
    case "AbortError":
      return "msgBusy";
    default:
      return "msgCameraFailed";
  }
}

function startPage(root) {
  const data = root.dataset;
  const video = root.querySelector("video");
  const status = root.querySelector("[data-status]");
  const form = root.querySelector("form");
  const input = form.querySelector("input");
  const itemPath = data.itemPath || "/i/";
  const labelBases = [`${location.origin}${itemPath}`, ...(data.labelBases || "").split(/\s+/).filter(Boolean)];
  const params = new URLSearchParams(location.search);

  let stream = null;
  let timer = null;
  let detector = null;
  let lastRead = null;
  let leaving = false;
  let starting = null;
  let failures = 0;

  const say = (key, values = {}) => {
    let text = data[key] || "";
    for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, value);
    status.textContent = text;
    status.dataset.message = key;
  };
  const setState = (state) => {
    root.dataset.state = state;
  };

  const open = (code) => {
    leaving = true;
    stopCamera();
    setState("found");
    say("msgOpening", { code });
    location.assign(itemPath + encodeURIComponent(code));
  };

  function stopCamera() {
    clearTimeout(timer);
    timer = null;
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.srcObject = null;
  }

  async function tick() {
    timer = null;
    if (leaving || !stream) return;
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
      try {
        const found = await detector.detect(video);
        failures = 0;
        for (const barcode of found) {
          const code = codeFromScanned(barcode.rawValue, labelBases);
          if (code) {
            // performance.now() counts from the page's navigation start
            console.debug(`scan: read ${code} with the ${data.detector} detector, ${Math.round(performance.now())} ms after the page was opened`);
            return open(code);
          }
        }
        if (found.length && found[0].rawValue !== lastRead) {
          lastRead = found[0].rawValue;
          say("msgNotLabel", { text: lastRead });
        }
      } catch (error) {
        failures += 1;
        if (failures >= 10) {
          stopCamera();
          setState("error");
          say("msgDecoderFailed");
          console.warn("scan: the decoder keeps failing", error);
          return;
        }
      }
    }
    if (!leaving && stream) timer = setTimeout(tick, SCAN_INTERVAL_MS);
  }

  async function startCamera() {
    if (leaving || stream) return;
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      setState("no-camera");
      say(window.isSecureContext ? "msgNoCameraApi" : "msgInsecure");
      return;
    }
    setState("starting");
    say("msgStarting");
    // Ask for the camera now (the permission prompt) while the decoder loads; settled
    // into a value at once so that a refusal is never an unhandled rejection meanwhile.
    const camera = navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then((opened) => ({ opened }), (error) => ({ error }));
    if (!detector) {
      try {
        const made = await makeDetector({
          polyfillUrl: data.polyfill,
          wasmUrl: data.wasm,
          forcePolyfill: params.get("detector") === "polyfill",
        });
        detector = made.detector;
        data.detector = made.kind;
      } catch (error) {
        camera.then(({ opened }) => opened && opened.getTracks().forEach((t) => t.stop()));
        setState("error");
        say("msgDecoderFailed");
        console.warn("scan: no QR decoder", error);
        return;
      }
    }
    const { opened, error } = await camera;
    if (error) {
      setState("no-camera");
      say(cameraMessageKey(error));
      return;
    }
    if (leaving || document.hidden) {
      opened.getTracks().forEach((t) => t.stop());
      return;
    }
    stream = opened;
    video.srcObject = stream;
    try {
      await video.play();
    } catch {
      // autoplay refused: a muted, inline video normally plays; frames may still arrive
    }
    setState("scanning");
    say("msgScanning");
    tick();
  }

  const start = () => {
    starting = starting || startCamera().finally(() => {
      starting = null;
    });
    return starting;
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = codeFromTyped(input.value);
    if (code) {
      open(code);
    } else {
      say(input.value.trim() ? "msgBadTyped" : "msgEmptyTyped", { text: input.value.trim() });
      input.select();
    }
  });

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) stopCamera();
    else if (!leaving) start();
  });
  window.addEventListener("pagehide", stopCamera);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      leaving = false;
      setState("starting");
      start();
    }
  });

  start();
}

if (typeof document !== "undefined") {
  const root = document.getElementById("scan");
  if (root) startPage(root);
}
