// The dashboard is a live client application: MapLibre and deck.gl need the browser.
export const ssr = false;
export const prerender = false;
