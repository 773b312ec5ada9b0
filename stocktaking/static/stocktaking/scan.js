// The stock-taking scan page in the browser. Without this script the page still works: the
// form posts one code at a time and the page shows the answer. With it:
// - a code typed by a USB scanner (its text and Enter) is sent to the API at once and the
//   input is cleared for the next one while the answer is on its way;
// - every scan is first kept in IndexedDB with an id made here, then sent; a scan that
//   could not be sent (no network, the server not answering, the login expired) stays queued
//   across reloads and is sent again with the same id, which the server stores once;
// - each answer is shown (message, outcome colour, "move here" where offered), logged,
//   counted, and signalled with a short tone and a vibration;
// - the phone's camera reads QR codes (the label's link) and Code 128 barcodes (the asset
//   tag), with the browser's BarcodeDetector or the vendored one (vendor/README.md).
// The page's contract (ids, data attributes, the API's JSON) is the scan page template's
// and stocktaking/api.py's.

const STRINGS = {
  de: {
    waiting: (n) => (n === 1 ? "Offline – 1 Scan wartet" : `Offline – ${n} Scans warten`),
    login: (n) =>
      n === 1
        ? "Ihre Anmeldung ist abgelaufen – 1 Scan wartet."
        : `Ihre Anmeldung ist abgelaufen – ${n} Scans warten.`,
    server: (n) =>
      n === 1
        ? "Lernstatt antwortet gerade nicht – 1 Scan wartet und wird später gesendet."
        : `Lernstatt antwortet gerade nicht – ${n} Scans warten und werden später gesendet.`,
    loginLink: "Erneut anmelden",
    queued: "wartet auf Verbindung",
    rejected: "wurde nicht angenommen",
    counts: (seen, expected, missing) => `${seen} von ${expected} gesehen, ${missing} fehlen`,
    room: (name) => `Raum ${name}`,
    move: "Hierher umbuchen",
    moveFailed: "Das Umbuchen hat nicht geklappt.",
    cameraStop: "Kamera ausschalten",
    cameraStarting: "Kamera wird eingeschaltet …",
    cameraHint: "Halten Sie den Code des Etiketts in das Bild.",
    noCamera:
      "Keine Kamera gefunden. Auf diesem Gerät können Sie mit einem Handscanner oder der " +
      "Tastatur scannen.",
    insecure:
      "Die Kamera ist nur über eine sichere Verbindung (https) erreichbar. Bitte scannen " +
      "Sie mit einem Handscanner oder der Tastatur.",
    cameraDenied:
      "Der Zugriff auf die Kamera wurde nicht erlaubt. Sie können ihn in den Einstellungen " +
      "des Browsers für diese Seite erlauben.",
    cameraFailed: "Die Kamera konnte nicht eingeschaltet werden.",
    cameraBlocked:
      "Auf dieser Seite ist die Kamera gesperrt. Bitte scannen Sie mit einem Handscanner " +
      "oder der Tastatur.",
    noReader:
      "Der Code-Leser konnte nicht geladen werden. Bitte scannen Sie mit einem Handscanner " +
      "oder der Tastatur.",
    readerOffline:
      "Der Code-Leser wird beim ersten Einschalten der Kamera geladen und braucht dafür " +
      "eine Verbindung. Bis dahin scannen Sie bitte mit einem Handscanner oder der " +
      "Tastatur.",
  },
  en: {
    waiting: (n) => (n === 1 ? "Offline – 1 scan waiting" : `Offline – ${n} scans waiting`),
    login: (n) =>
      n === 1
        ? "Your login has expired – 1 scan is waiting."
        : `Your login has expired – ${n} scans are waiting.`,
    server: (n) =>
      n === 1
        ? "Lernstatt is not answering right now – 1 scan is waiting and will be sent later."
        : `Lernstatt is not answering right now – ${n} scans are waiting and will be sent later.`,
    loginLink: "Log in again",
    queued: "waiting for the network",
    rejected: "was not accepted",
    counts: (seen, expected, missing) => `${seen} of ${expected} seen, ${missing} missing`,
    room: (name) => `room ${name}`,
    move: "Move here",
    moveFailed: "The device could not be moved.",
    cameraStop: "Turn the camera off",
    cameraStarting: "Turning the camera on …",
    cameraHint: "Hold the label's code in front of the camera.",
    noCamera: "No camera found. On this device, scan with a hand scanner or the keyboard.",
    insecure:
      "The camera is only available over a secure connection (https). Please scan with a " +
      "hand scanner or the keyboard.",
    cameraDenied:
      "Access to the camera was not allowed. You can allow it for this page in the " +
      "browser's settings.",
    cameraFailed: "The camera could not be turned on.",
    cameraBlocked:
      "The camera is blocked on this page. Please scan with a hand scanner or the keyboard.",
    noReader:
      "The code reader could not be loaded. Please scan with a hand scanner or the " +
      "keyboard.",
    readerOffline:
      "The code reader is loaded when the camera is first turned on, which needs a " +
      "connection. Until then, please scan with a hand scanner or the keyboard.",
  },
};
const LANG = (document.documentElement.lang || "de").toLowerCase().startsWith("en") ? "en" : "de";
const T = STRINGS[LANG];
const NUMBER = new Intl.NumberFormat(LANG === "en" ? "en-GB" : "de-DE");

const RETRY_MS = 15_000;
const CAMERA_EVERY_MS = 150; // about 7 frames a second: quick to answer, light on a phone
const SAME_CODE_MS = 3_000; // a code still in view is not scanned again
const FORMATS = ["qr_code", "code_128"];

const form = document.getElementById("scan-form");
if (form) {
  start(form).catch((error) => console.error("scan page:", error));
}

async function start(form) {
  // Listen at once: a scanner may type while the stored scans are still being read.
  const input = document.getElementById("scan-code");
  const early = [];
  let ready = false; // true once `page` below is set up
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = input.value.trim();
    // At once, before anything is awaited: the scanner may type the next code now.
    input.value = "";
    input.focus();
    if (code) {
      if (ready) {
        scan(page, code);
      } else {
        early.push(code);
      }
    }
  });
  const page = {
    form,
    api: form.dataset.api,
    input,
    room: document.getElementById("scan-room"),
    result: document.getElementById("scan-result"),
    log: document.getElementById("scan-log"),
    counts: document.getElementById("scan-counts"),
    note: queueNote(form),
    queue: await openQueue(),
    waiting: new Map(), // client_id → scan, for this page's stock-taking
    sending: new Set(),
    flushing: false,
    problem: null, // null, "offline", "server" or "login": why the waiting scans wait
    latest: null, // the client id of the last scan made here: the one #scan-result is for
    seen: -1, // the highest "seen" count answered: answers may come back out of order
  };
  const stored = (await page.queue.all()).sort(byScanTime);
  for (const scan of stored) {
    if (scan.api !== page.api) {
      continue; // another stock-taking's: sent from its own page
    }
    if (logEntry(page, scan.client_id)) {
      // The page was rendered with it: the server has it, only its answer was lost.
      await page.queue.remove(scan.client_id).catch(() => {});
    } else {
      page.waiting.set(scan.client_id, scan);
      logQueued(page, scan);
    }
  }
  showQueue(page);

  ready = true;
  for (const code of early) {
    scan(page, code);
  }
  if (page.room) {
    // A reload (or the form without JS) stays in the room chosen last.
    page.room.addEventListener("change", () => {
      const url = new URL(window.location.href);
      url.searchParams.set("room", page.room.value);
      window.history.replaceState(null, "", url);
      page.input.focus();
    });
  }
  window.addEventListener("online", () => flush(page));
  window.addEventListener("offline", () => {
    page.problem = "offline";
    showQueue(page);
  });
  window.setInterval(() => flush(page), RETRY_MS);
  setUpCamera(page);
  flush(page);
  form.dataset.ready = "true";
}

// Sending, and the queue ---------------------------------------------------------------

async function scan(page, code) {
  unlockSound();
  const scan = {
    client_id: newClientId(),
    code,
    room_id: page.room && page.room.value ? Number(page.room.value) : null,
    scanned_at: new Date().toISOString(),
    api: page.api,
    state: "queued",
  };
  page.latest = scan.client_id;
  page.waiting.set(scan.client_id, scan);
  logQueued(page, scan);
  try {
    await page.queue.put(scan);
  } catch (error) {
    // Private windows may refuse storage: the scan is still sent, just not kept.
    console.warn("scan page: could not store the scan", error);
  }
  await send(page, scan, { live: true });
}

/** Sends the scans that wait, oldest first, until one of them cannot be sent. */
async function flush(page) {
  if (page.flushing) {
    return;
  }
  page.flushing = true;
  try {
    const scans = [...page.waiting.values()].sort(byScanTime);
    for (const scan of scans) {
      if ((await send(page, scan, { live: false })) !== "done") {
        break;
      }
    }
  } finally {
    page.flushing = false;
  }
}

function byScanTime(a, b) {
  return a.scanned_at.localeCompare(b.scanned_at);
}

/** Sends one scan; "done" when the server has answered for good, otherwise why it waits. */
async function send(page, scan, { live }) {
  if (page.sending.has(scan.client_id)) {
    return "busy";
  }
  page.sending.add(scan.client_id);
  showQueue(page);
  try {
    let response;
    try {
      response = await post(page, page.api, {
        client_id: scan.client_id,
        code: scan.code,
        room_id: scan.room_id,
        scanned_at: scan.scanned_at,
      });
    } catch {
      return await wait(page, scan, "offline");
    }
    if (response.status >= 500) {
      // A gateway without Lernstatt behind it (502–504), or Lernstatt failing: the scan is
      // kept, as it may well go through later.
      return await wait(page, scan, "server");
    }
    const answer = await json(response);
    // 401/403, or a login page instead of JSON: the session has ended. Logging in again
    // will let the same scan through.
    if (response.status === 401 || response.status === 403 || (response.ok && !answer)) {
      return await wait(page, scan, "login");
    }
    const wasWaiting = page.problem !== null;
    page.problem = null;
    await forget(page, scan);
    if (live && wasWaiting) {
      // The network is back without an "online" event: the older scans go now too.
      window.setTimeout(() => flush(page), 0);
    }
    if (response.ok) {
      showAnswer(page, answer, { live });
    } else {
      // Any other refusal (unknown stock-taking, closed, invalid) will not get better by
      // sending the same scan again.
      showRefusal(page, scan, answer, response.status, { live });
    }
    return "done";
  } finally {
    page.sending.delete(scan.client_id);
    showQueue(page);
  }
}

async function wait(page, scan, problem) {
  page.problem = problem;
  if (scan.state !== problem) {
    scan.state = problem;
    await page.queue.put(scan).catch(() => {});
  }
  return problem;
}

async function forget(page, scan) {
  page.waiting.delete(scan.client_id);
  await page.queue.remove(scan.client_id).catch(() => {});
}

function post(page, url, body) {
  const token = page.form.querySelector("[name=csrfmiddlewaretoken]");
  return fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": token ? token.value : "",
    },
    body: JSON.stringify(body),
  });
}

async function json(response) {
  if (!(response.headers.get("Content-Type") || "").includes("json")) {
    return null;
  }
  return response.json().catch(() => null);
}

function newClientId() {
  if (typeof crypto.randomUUID === "function") {
    return crypto.randomUUID();
  }
  // crypto.randomUUID exists only on https (and localhost); a version 4 UUID by hand.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return [0, 8, 12, 16, 20].map((at, index, ends) => hex.slice(at, ends[index + 1])).join("-");
}

/** The scans that wait, in IndexedDB (store "scans", key client_id), or in memory where the
 * browser keeps no database (then they last until the page is left). */
function openQueue() {
  const memory = new Map();
  const inMemory = {
    put: async (scan) => void memory.set(scan.client_id, { ...scan }),
    remove: async (id) => void memory.delete(id),
    all: async () => [...memory.values()],
  };
  if (!window.indexedDB) {
    return Promise.resolve(inMemory);
  }
  return new Promise((resolve) => {
    const request = indexedDB.open("lernstatt-stocktaking", 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("scans", { keyPath: "client_id" });
    };
    request.onerror = () => resolve(inMemory);
    request.onsuccess = () => {
      const db = request.result;
      const run = (mode, action) =>
        new Promise((done, failed) => {
          const transaction = db.transaction("scans", mode);
          const step = action(transaction.objectStore("scans"));
          transaction.oncomplete = () => done(step.result);
          transaction.onerror = transaction.onabort = () => failed(transaction.error);
        });
      resolve({
        put: (scan) => run("readwrite", (store) => store.put(scan)),
        remove: (id) => run("readwrite", (store) => store.delete(id)),
        all: () => run("readonly", (store) => store.getAll()),
      });
    };
  });
}

// What the page shows ------------------------------------------------------------------

function queueNote(form) {
  let note = document.getElementById("scan-queue");
  if (!note) {
    note = document.createElement("p");
    note.id = "scan-queue";
    note.className = "message message-warning";
    note.setAttribute("aria-live", "polite");
    note.hidden = true;
    form.after(note);
  }
  return note;
}

function showQueue(page) {
  const count = page.waiting.size;
  const note = page.note;
  note.replaceChildren();
  if (count === 0) {
    note.hidden = true;
    return;
  }
  if (page.problem === "login") {
    const link = document.createElement("a");
    const next = window.location.pathname + window.location.search;
    link.href = `${page.form.dataset.login || "/login/"}?next=${encodeURIComponent(next)}`;
    link.textContent = T.loginLink;
    note.append(`${T.login(count)} `, link);
  } else if (page.problem === "server" && navigator.onLine) {
    note.textContent = T.server(count);
  } else if (page.problem === "offline" || !navigator.onLine) {
    note.textContent = T.waiting(count);
  } else {
    // On their way: not worth a note for the moment an answer takes.
    note.hidden = true;
    return;
  }
  note.hidden = false;
}

function logEntry(page, clientId) {
  if (!page.log) {
    return null;
  }
  return [...page.log.children].find((item) => item.dataset.clientId === clientId) || null;
}

function logQueued(page, scan) {
  if (!page.log) {
    return;
  }
  const item = document.createElement("li");
  item.dataset.clientId = scan.client_id;
  item.className = "scan-queued";
  item.append(codeText(scan.code), ` – ${T.queued}`);
  page.log.prepend(item);
}

function logAnswer(page, clientId, outcome, parts) {
  if (!page.log) {
    return;
  }
  let item = logEntry(page, clientId);
  if (!item) {
    item = document.createElement("li");
    item.dataset.clientId = clientId;
    page.log.prepend(item);
  }
  item.className = `scan-${outcome}`;
  item.replaceChildren(...parts);
}

function codeText(code) {
  const element = document.createElement("strong");
  element.textContent = code;
  return element;
}

// As the scan page's template writes it: "tag · model · room R1 · school".
function deviceText(device) {
  const room = device.room ? T.room(device.room) : "";
  return [device.asset_tag, device.name, room, device.school].filter(Boolean).join(" · ");
}

function showAnswer(page, answer, { live }) {
  const outcome = answer.outcome;
  // The message names the asset tag, as in the log the page was rendered with.
  logAnswer(page, answer.client_id, outcome, [answer.message]);
  if (showsResult(page, answer.client_id)) {
    const parts = [paragraph("scan-message", answer.message)];
    if (answer.device) {
      parts.push(paragraph("scan-device", deviceText(answer.device)));
    }
    if (outcome === "elsewhere" && answer.can_move && !answer.moved) {
      parts.push(moveButton(page, answer));
    }
    page.result.className = `scan-result scan-${outcome}`;
    page.result.replaceChildren(...parts);
  }
  if (answer.counts) {
    showCounts(page, answer.counts);
  }
  if (live) {
    signal(outcome);
  }
}

function showRefusal(page, scan, answer, status, { live }) {
  const message = (answer && answer.message) || `${scan.code} ${T.rejected} (HTTP ${status})`;
  logAnswer(page, scan.client_id, "error", [codeText(scan.code), `: ${message}`]);
  if (showsResult(page, scan.client_id)) {
    page.result.className = "scan-result scan-error";
    page.result.replaceChildren(paragraph("scan-message", message));
  }
  if (live) {
    signal("error");
  }
}

/** Whether the answer to this scan goes to #scan-result: the last scan made here (a quick
 * scanner's answers may overtake each other), or any when none was made here yet (the
 * waiting scans of an earlier visit). */
function showsResult(page, clientId) {
  return Boolean(page.result) && (page.latest === null || page.latest === clientId);
}

function showCounts(page, counts) {
  // The counts only grow while a stock-taking is open: an answer computed before the one
  // shown last is older news.
  if (counts.seen < page.seen) {
    return;
  }
  page.seen = counts.seen;
  if (page.counts) {
    page.counts.textContent = T.counts(
      NUMBER.format(counts.seen),
      NUMBER.format(counts.expected),
      NUMBER.format(counts.missing),
    );
  }
}

function paragraph(className, text) {
  const element = document.createElement("p");
  element.className = className;
  element.textContent = text;
  return element;
}

function moveButton(page, answer) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button scan-move";
  button.textContent = T.move;
  button.addEventListener("click", async () => {
    button.disabled = true;
    let response = null;
    try {
      response = await post(page, `${page.api}/${answer.id}/move`, {});
    } catch {
      // No network: the button stays for another try.
    }
    const moved = response ? await json(response) : null;
    if (response && response.ok && moved) {
      // The same scan, now "moved here" (the log entry and the counts follow).
      showAnswer(page, moved, { live: false });
    } else {
      button.disabled = false;
      const message = (moved && moved.message) || T.moveFailed;
      page.result.append(paragraph("scan-message message-error", message));
    }
    page.input.focus();
  });
  return button;
}

// Tone and vibration -------------------------------------------------------------------

// [frequency in Hz, start in s, length in s, waveform] for each outcome.
const TONES = {
  found: [[1760, 0, 0.12, "sine"]],
  elsewhere: [
    [880, 0, 0.12, "sine"],
    [660, 0.16, 0.16, "sine"],
  ],
  unknown: [[220, 0, 0.35, "square"]],
  already: [[2500, 0, 0.015, "square"]],
  error: [[160, 0, 0.5, "sawtooth"]],
};
const VIBRATIONS = {
  found: [60],
  elsewhere: [60, 80, 60],
  unknown: [300],
  already: [20],
  error: [300, 100, 300],
};
let audio = null;

/** Browsers start sound only after a person did something: called on each scan and on the
 * camera button, so camera scans can sound too. */
function unlockSound() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) {
    return;
  }
  if (!audio) {
    audio = new Context();
  }
  if (audio.state === "suspended") {
    audio.resume().catch(() => {});
  }
}

function signal(outcome) {
  if (navigator.vibrate) {
    navigator.vibrate(VIBRATIONS[outcome] || VIBRATIONS.error);
  }
  if (!audio) {
    return;
  }
  const now = audio.currentTime;
  for (const [frequency, at, length, waveform] of TONES[outcome] || TONES.error) {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = waveform;
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.2, now + at);
    gain.gain.exponentialRampToValueAtTime(0.001, now + at + length);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(now + at);
    oscillator.stop(now + at + length);
  }
}

// The camera ---------------------------------------------------------------------------

function setUpCamera(page) {
  const startButton = document.getElementById("scan-camera-start");
  const area = document.getElementById("scan-camera");
  if (!startButton || !area) {
    return;
  }
  const camera = {
    page,
    startButton,
    area,
    stream: null,
    starting: false,
    reader: null, // a promise of the barcode reader, once asked for
    timer: null,
    recent: new Map(), // code → when it was last in view
  };
  startButton.hidden = false;
  startButton.addEventListener("click", async () => {
    unlockSound();
    if (camera.starting || camera.stream) {
      return;
    }
    camera.starting = true;
    try {
      await startCamera(camera);
    } finally {
      camera.starting = false;
    }
  });
  window.addEventListener("pagehide", () => stopCamera(camera));
  // A phone may lose the network in the next room: where there is a camera, the reader is
  // loaded now, while there is one.
  hasCamera().then((yes) => {
    if (yes) {
      reader(camera).catch(() => {});
    }
  });
}

/** Whether the device has a camera: true, false, or null when the browser does not say. */
async function hasCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) {
    return null;
  }
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    return devices.some((device) => device.kind === "videoinput");
  } catch {
    return null;
  }
}

/** The barcode reader, loaded once (again after a failure). */
function reader(camera) {
  if (!camera.reader) {
    camera.reader = barcodeDetector();
    camera.reader.catch(() => {
      camera.reader = null;
    });
  }
  return camera.reader;
}

function cameraNote(camera, text, className = "muted") {
  camera.area.hidden = false;
  let note = camera.area.querySelector(".scan-camera-note");
  if (!note) {
    note = document.createElement("p");
    camera.area.append(note);
  }
  note.className = `scan-camera-note ${className}`;
  note.textContent = text;
}

async function startCamera(camera) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    cameraNote(camera, window.isSecureContext ? T.noCamera : T.insecure, "message message-error");
    return;
  }
  const policy = document.permissionsPolicy || document.featurePolicy;
  if (policy && !policy.allowsFeature("camera")) {
    console.error("scan page: the page's Permissions-Policy header does not allow camera=(self)");
    cameraNote(camera, T.cameraBlocked, "message message-error");
    return;
  }
  if ((await hasCamera()) === false) {
    cameraNote(camera, T.noCamera, "message message-error");
    return;
  }
  cameraNote(camera, T.cameraStarting);
  let detector;
  try {
    detector = await reader(camera);
  } catch (error) {
    console.error("scan page: no barcode reader", error);
    cameraNote(camera, navigator.onLine ? T.noReader : T.readerOffline, "message message-error");
    return;
  }
  try {
    camera.stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment" },
      audio: false,
    });
  } catch (error) {
    const text =
      error.name === "NotAllowedError" || error.name === "SecurityError"
        ? T.cameraDenied
        : error.name === "NotFoundError" || error.name === "OverconstrainedError"
          ? T.noCamera
          : T.cameraFailed;
    cameraNote(camera, text, "message message-error");
    return;
  }
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true; // iOS would open its full-screen player otherwise
  video.setAttribute("playsinline", "");
  video.srcObject = camera.stream;
  const stopButton = document.createElement("button");
  stopButton.type = "button";
  stopButton.className = "button";
  stopButton.textContent = T.cameraStop;
  stopButton.addEventListener("click", () => stopCamera(camera));
  camera.area.replaceChildren(video, stopButton);
  cameraNote(camera, T.cameraHint);
  camera.startButton.hidden = true;
  await video.play().catch(() => {});
  camera.video = video;
  const look = async () => {
    if (!camera.stream) {
      return;
    }
    if (video.readyState >= video.HAVE_CURRENT_DATA) {
      try {
        for (const code of await detector.detect(video)) {
          seen(camera, code.rawValue);
        }
      } catch (error) {
        // A frame that cannot be read (the camera still starting): the next one may.
      }
    }
    camera.timer = window.setTimeout(look, CAMERA_EVERY_MS);
  };
  look();
}

/** A decoded code: scanned unless the same code was in view in the last 3 seconds. */
function seen(camera, value) {
  const code = (value || "").trim();
  const now = Date.now();
  const last = camera.recent.get(code);
  camera.recent.set(code, now);
  if (!code || (last !== undefined && now - last < SAME_CODE_MS)) {
    return;
  }
  for (const [old, at] of camera.recent) {
    if (now - at > SAME_CODE_MS) {
      camera.recent.delete(old);
    }
  }
  scan(camera.page, code);
}

function stopCamera(camera) {
  window.clearTimeout(camera.timer);
  if (camera.stream) {
    camera.stream.getTracks().forEach((track) => track.stop());
    camera.stream = null;
  }
  camera.area.replaceChildren();
  camera.area.hidden = true;
  camera.startButton.hidden = false;
  camera.page.input.focus();
}

/** The browser's own BarcodeDetector where it reads both codes (Chrome on Android and
 * macOS), otherwise the vendored one, loaded only now and with its WebAssembly file from
 * Lernstatt's static files rather than the CDN it would use by default. */
async function barcodeDetector() {
  if ("BarcodeDetector" in window) {
    try {
      const supported = await window.BarcodeDetector.getSupportedFormats();
      if (FORMATS.every((format) => supported.includes(format))) {
        return new window.BarcodeDetector({ formats: FORMATS });
      }
    } catch {
      // Declared but not working (some desktop builds): take the vendored one.
    }
  }
  const vendor = await import("./vendor/barcode-detector/ponyfill.js");
  const wasm = new URL("./vendor/zxing-wasm/", import.meta.url);
  // Loads the .wasm now, so a failure shows here and not as frames that never decode.
  await vendor.prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) =>
        path.endsWith(".wasm") ? new URL(path, wasm).href : prefix + path,
    },
    fireImmediately: true,
  });
  return new vendor.BarcodeDetector({ formats: FORMATS });
}
