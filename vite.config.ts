import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig, type Plugin } from 'vite';

/**
 * During `npm run dev` the hub runs inside Vite's dev server: Socket.IO on the same HTTP server,
 * the REST API as middleware, so hot reload works with live data.
 */
function hubDevServer(): Plugin {
  return {
    name: 'duisburg-hub-dev',
    apply: 'serve',
    async configureServer(server) {
      if (!server.httpServer || process.env.VITEST) return;
      const { loadConfig } = await import('./server/config.ts');
      const { createHub } = await import('./server/hub.ts');
      const { createLogger } = await import('./server/log.ts');
      const config = loadConfig();
      const hub = await createHub(config, createLogger(config.LOG_LEVEL));
      hub.attach(server.httpServer as import('node:http').Server);
      server.middlewares.use((req, res, next) => hub.handle(req, res, next));
      server.httpServer.once('close', () => void hub.close());
    },
  };
}

export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ precompress: true }),
      csp: {
        mode: 'auto',
        directives: {
          'default-src': ['self'],
          'script-src': ['self'],
          // Svelte transitions and MapLibre set inline styles on elements.
          'style-src': ['self', 'unsafe-inline'],
          'img-src': ['self', 'data:', 'blob:'],
          'font-src': ['self'],
          'worker-src': ['self', 'blob:'],
          'connect-src': ['self', 'ws:', 'wss:'],
          'object-src': ['none'],
          'base-uri': ['self'],
          'frame-ancestors': ['none'],
          'form-action': ['self'],
        },
      },
    }),
    hubDevServer(),
  ],
});
