/// <reference types="vitest" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The build goes to ../htdocs, the folder Apache serves (make install copies it to
// PREFIX/share/maplat/htdocs). `npm run dev` serves the sources with hot reload and
// proxies /api to a running maplat (scripts/dev up): MAPLAT_API=http://127.0.0.1:8080.
const api = process.env.MAPLAT_API ?? 'http://127.0.0.1:8080';
// `make` builds into its own build directory's htdocs/ (MAPLAT_UI_OUTDIR); both builds of
// `npm run build` (the app, then the API reference page) read it.
const outDir = process.env.MAPLAT_UI_OUTDIR ?? '../htdocs';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2020',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: { '/api': { target: api, changeOrigin: false } },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
