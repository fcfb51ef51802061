// The API reference page (api-reference.html): a separate Vite build
// (vite.api-reference.config.ts), so Redoc and its dependencies never reach the app's bundle.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiReference } from './ApiReference';
import '../styles.css';
import './api-reference.css';

const root = document.getElementById('root');
if (!root) throw new Error('maplat: #root is missing from api-reference.html');

createRoot(root).render(
  <StrictMode>
    <ApiReference />
  </StrictMode>,
);
