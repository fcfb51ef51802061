import { defineConfig } from 'vite';
import type { Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// The API reference page (api-reference.html -> ../htdocs/api-reference.html) is built on
// its own, after the app (`npm run build` runs both): Redoc, styled-components and mobx
// never enter the app's chunks, and the app's output is byte for byte what it is without
// this page. emptyOutDir is off so the app's files stay.

/**
 * Redoc 2.5 always renders an <img> of its logo from its CDN in the sidebar's "API docs
 * by Redocly" link; under `img-src 'self' data:` that is a blocked request and a console
 * error, and nothing may be fetched from elsewhere. The image is dropped at build time
 * (the link text stays). The build fails if a Redoc upgrade changes the code, so the
 * patch is never silently lost.
 */
function redocWithoutRemoteLogo(): Plugin {
  const logo = /\w+\?\w+\.createElement\("img",\{alt:"redocly logo",onError:\(\)=>\w+\(!1\),src:"https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini\.svg"\}\):null/;
  return {
    name: 'maplat-redoc-without-remote-logo',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]redoc[\\/]bundles[\\/]redoc\.browser\.lib\.js$/.test(id)) return null;
      if (!logo.test(code)) {
        this.error('redoc: the remote logo code was not found; check vite.api-reference.config.ts');
      }
      const out = code.replace(logo, 'null');
      if (out.includes('cdn.redoc.ly')) this.error('redoc: a cdn.redoc.ly URL is left in the bundle');
      return { code: out, map: null };
    },
  };
}

export default defineConfig({
  plugins: [react(), redocWithoutRemoteLogo()],
  publicDir: false,
  build: {
    outDir: process.env.MAPLAT_UI_OUTDIR ?? '../htdocs',
    emptyOutDir: false,
    assetsDir: 'assets',
    target: 'es2020',
    sourcemap: false,
    chunkSizeWarningLimit: 1400,
    rollupOptions: { input: { 'api-reference': 'api-reference.html' } },
  },
});
