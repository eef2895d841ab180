import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { applyDisplaySettings } from './ui/theme';
import './ui/styles.css';

// Before the first paint, so a dark-theme user never sees a light flash.
applyDisplaySettings();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
