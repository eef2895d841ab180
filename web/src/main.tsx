import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startLoadingImage } from './queries/imageQueries';
import { warmLayerWorkers } from './queries/layerQueries';
import { createQueryClient } from './queries/queryClient';
import { App } from './ui/App';
import { applyDisplaySettings } from './ui/theme';
import './ui/styles.css';

// Before the first paint, so a dark-theme user never sees a light flash.
applyDisplaySettings();

// Opened on an image: its manifest and the layer workers start loading before the app renders.
const client = createQueryClient();
const image = new URLSearchParams(window.location.search).get('image');
if (image) {
  startLoadingImage(client, image);
  warmLayerWorkers();
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
