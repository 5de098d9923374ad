{% load static %}// The visit kit's service worker (Workbox 7.4.1, vendored in web/static/web/js/workbox-7.4.1).
// It keeps the kit's page shell and its files so the page opens without a connection; it never
// caches an API answer or any child's data (those live in IndexedDB, erased at sign-out).
"use strict";
importScripts("{% static 'web/js/workbox-7.4.1/workbox-sw.js' %}");
workbox.setConfig({debug: false, modulePathPrefix: "{% get_static_prefix %}web/js/workbox-7.4.1/"});

const SHELL = "{% url 'web:visit-kit' %}";
const PAGES = "otbasy-kit-pages-v1";
const FILES = "otbasy-kit-files-v2";  // v2: visit-kit.js writes dates as the pages do
const FILE_URLS = [
  "{% static 'web/css/app.css' %}", "{% static 'web/js/app.js' %}", "{% static 'web/js/htmx.min.js' %}",
  "{% static 'web/js/idb-8.0.4/idb.umd.js' %}", "{% static 'web/js/visit-kit.js' %}", "{% static 'web/favicon.svg' %}",
];

// Loaded now: a service worker may import scripts only while it is first evaluated.
const {registerRoute} = workbox.routing;
const {NetworkFirst, CacheFirst} = workbox.strategies;

self.addEventListener("install", (event) => {
  event.waitUntil(Promise.all([
    caches.open(FILES).then((cache) => cache.addAll(FILE_URLS)),
    caches.open(PAGES).then((cache) => cache.add(SHELL)),
  ]).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (event) => { event.waitUntil(self.clients.claim()); });

// The page: from the network when there is one (a fresh sign-in check), else the kept shell.
registerRoute(({request, url}) => request.mode === "navigate" && url.pathname === SHELL,
  // ignoreVary: the page varies on Cookie and Accept-Language, which a kept copy cannot match offline.
  new NetworkFirst({cacheName: PAGES, networkTimeoutSeconds: 5, matchOptions: {ignoreVary: true}}));
registerRoute(({url}) => FILE_URLS.includes(url.pathname), new CacheFirst({cacheName: FILES}));
