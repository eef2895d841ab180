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
const params = new URLSearchParams(window.location.search);
const image = params.get('image');
if (image) {
  const layer = Number(params.get('layer') ?? NaN);
  startLoadingImage(client, image, params.get('platform') ?? undefined, Number.isInteger(layer) && layer >= 0 ? layer : undefined);
  warmLayerWorkers();
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
