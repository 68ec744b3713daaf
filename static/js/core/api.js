// HTTP calls to protocol v1 with the session cookie (and CSRF on unsafe methods).

import { gettext } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

let unauthorizedHandler = () => {};

// Called once when the server says the session is gone (an API 401 or socket close 4401).
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function errorFrom(status, data, fallback) {
  const error = data && data.error;
  if (error && error.detail) return new ApiError(status, error.code || `http_${status}`, error.detail);
  return new ApiError(status, `http_${status}`, fallback);
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", gettext("The server cannot be reached. Check your network."));
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    /* not JSON: the status says enough */
  }
  if (!response.ok) {
    if (response.status === 401) unauthorizedHandler();
    throw errorFrom(response.status, data, `${gettext("Request failed")} (${response.status})`);
  }
  return data;
}

// Upload one file with progress; `onProgress(fraction)`. Resolves to the Attachment.
export function upload(file, onProgress) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open("POST", "/api/v1/attachments");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "text";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON: the status says enough */
      }
      if (xhr.status >= 200 && xhr.status < 300 && data) {
        onProgress(1);
        resolve(data);
        return;
      }
      if (xhr.status === 401) unauthorizedHandler();
      reject(errorFrom(xhr.status, data, `${gettext("Upload failed")} (${xhr.status})`));
    });
    xhr.addEventListener("error", () => {
      reject(new ApiError(0, "network", gettext("Upload failed: the connection was interrupted.")));
    });
    xhr.addEventListener("abort", () => reject(new ApiError(0, "aborted", gettext("Upload cancelled."))));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
