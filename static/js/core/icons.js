// Outline icons on a 24px grid, drawn for this client: the one set every page draws from.

const SVG_NS = "http://www.w3.org/2000/svg";
export const ICONS = {
  plus: ["M12 5v14", "M5 12h14"],
  back: ["M15 5l-7 7 7 7"],
  clip: ["M20 11.5l-8.2 8.2a5 5 0 0 1-7-7L13 4.5a3.3 3.3 0 0 1 4.7 4.7l-8.2 8.2a1.7 1.7 0 0 1-2.4-2.4l7.6-7.5"],
  users: ["M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M2 21v-1a6 6 0 0 1 6-6h2a6 6 0 0 1 6 6v1", "M16 3.5a4 4 0 0 1 0 7.5", "M19 14.5a6 6 0 0 1 3 5.5v1"],
  reply: ["M10 8L4 13l6 5", "M4 13h10a6 6 0 0 1 6 6v1"],
  smile: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M8.5 14.5a4.5 4.5 0 0 0 7 0", "M9 9.5h.01", "M15 9.5h.01"],
  edit: ["M4 20h4L19 9l-4-4L4 16z", "M13.5 6.5l4 4"],
  trash: ["M4 7h16", "M10 11v6", "M14 11v6", "M6 7l1 13h10l1-13", "M9 7V4h6v3"],
  x: ["M6 6l12 12", "M18 6L6 18"],
  check: ["M5 12.5l4.5 4.5L19 7.5"],
  checks: ["M2 12.5l4.5 4.5L16 7.5", "M12.5 16.5l.5.5L22.5 7.5"],
  download: ["M12 4v11", "M7 10.5l5 5 5-5", "M5 20h14"],
  box: ["M3 4h18v4H3z", "M5 8v12h14V8", "M10 12h4"],
  file: ["M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z", "M14 3v5h5"],
  hash: ["M5 9h15", "M4 15h15", "M10 3L8 21", "M16 3l-2 18"],
  building: ["M4 21V5l8-2v18", "M12 8l8 2v11", "M2 21h20", "M7.5 8h1", "M7.5 12h1", "M7.5 16h1", "M15.5 13h1", "M15.5 17h1"],
  bot: ["M5 9h14v10H5z", "M12 9V5", "M12 5h.01", "M9 13.5h.01", "M15 13.5h.01", "M9.5 16.5h5", "M2 13v3", "M22 13v3"],
  bell: ["M6 16V11a6 6 0 0 1 12 0v5l2 2H4z", "M10 21h4"],
  globe: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M3 12h18", "M12 3c2.5 2.5 3.5 5.5 3.5 9s-1 6.5-3.5 9c-2.5-2.5-3.5-5.5-3.5-9s1-6.5 3.5-9z"],
  logout: ["M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3", "M10 17l5-5-5-5", "M15 12H4"],
  keyboard: ["M3 6h18v12H3z", "M7 10h.01", "M11 10h.01", "M15 10h.01", "M8 14h8"],
  down: ["M12 5v14", "M6 13l6 6 6-6"],
  alert: ["M12 3l10 18H2z", "M12 10v4", "M12 17.5h.01"],
  refresh: ["M20 11a8 8 0 0 0-14.6-4.5L4 8", "M4 4v4h4", "M4 13a8 8 0 0 0 14.6 4.5L20 16", "M20 20v-4h-4"],
  search: ["M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z", "M20 20l-4-4"],
  send: ["M4 12l16-8-6 16-2.5-6.5z", "M11.5 13.5L20 4"],
  calendar: ["M4 6h16v14H4z", "M4 10h16", "M8 3v5", "M16 3v5"],
  stamp: ["M9 3h6v5l-1 3h5v4H5v-4h5L9 8z", "M5 20h14"],
  chart: ["M4 20V11", "M10 20V5", "M16 20v-6", "M22 20H2"],
  pin: ["M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21z", "M12 12a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z"],
  clock: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M12 7v5l3 2"],
  shield: ["M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6z", "M8.5 12l2.5 2.5 4.5-5"],
  shieldX: ["M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6z", "M9.5 9.5l5 5", "M14.5 9.5l-5 5"],
  chat: ["M4 5h16v11H9l-5 4z"],
  compose: ["M12 20h9", "M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z"],
  swap: ["M7 4L3 8l4 4", "M3 8h13", "M17 12l4 4-4 4", "M21 16H8"],
  ban: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M5.6 5.6l12.8 12.8"],
  user: ["M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M4 21v-1a7 7 0 0 1 7-7h2a7 7 0 0 1 7 7v1"],
  doc: ["M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z", "M14 3v5h5", "M9 13h6", "M9 17h4"],
  seal: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M12 7.5l1.3 2.7 3 .4-2.2 2.1.5 3L12 14.3l-2.6 1.4.5-3-2.2-2.1 3-.4z"],
  inbox: ["M3 13l3-8h12l3 8", "M3 13v6h18v-6", "M3 13h5l1.5 2.5h5L16 13h5"],
  upload: ["M12 16V4", "M7 8.5l5-5 5 5", "M5 20h14"],
  todo: ["M4 5h16v15H4z", "M8 3v4", "M16 3v4", "M8 12l2.5 2.5L16 9"],
  contacts: ["M5 3h13a1 1 0 0 1 1 1v16a1 1 0 0 1-1 1H5z", "M12 12a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z", "M8.5 17a3.5 3.5 0 0 1 7 0", "M3 7h2", "M3 12h2", "M3 17h2"],
  forward: ["M14 8l6 5-6 5", "M20 13H10a6 6 0 0 0-6 6v1"],
  mute: ["M6 16V11a6 6 0 0 1 9.5-4.9", "M18 11v5l2 2H8", "M10 21h4", "M3 3l18 18"],
  eye: ["M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z", "M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z"],
  zap: ["M13 2L4 14h7l-1 8 9-12h-7z"],
  archive: ["M3 4h18v4H3z", "M5 8v12h14V8", "M10 12h4"],
  news: ["M4 4h12v15a2 2 0 0 0 2 2H6a2 2 0 0 1-2-2z", "M16 8h4v11a2 2 0 0 1-2 2", "M7 8h6", "M7 12h6", "M7 16h4"],
};

export function icon(name, size = 20) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", size);
  svg.setAttribute("height", size);
  svg.setAttribute("fill", "none");
  svg.setAttribute("stroke", "currentColor");
  svg.setAttribute("stroke-width", "1.8");
  svg.setAttribute("stroke-linecap", "round");
  svg.setAttribute("stroke-linejoin", "round");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  for (const d of ICONS[name] || []) {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}
