import { QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { createQueryClient } from '../queries/queryClient';
import { CacheControl } from './CacheControl';
import { ImageView } from './ImageView';
import { Landing } from './Landing';
import { ReferenceForm } from './ReferenceForm';
import { useUrlState } from './useUrlState';

export function App() {
  const [queryClient] = useState(createQueryClient);
  const [state, navigate] = useUrlState();
  const open = (image: string) => navigate({ image });

  return (
    <QueryClientProvider client={queryClient}>
      <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="mx-auto flex max-w-7xl items-start gap-4 px-4 py-3">
          <a href="/" className="flex shrink-0 items-center gap-2 pt-1.5 font-semibold" aria-label="Lading home">
            <img src="/favicon.svg" alt="" width={24} height={24} />
            Lading
          </a>
          <ReferenceForm value={state.image ?? ''} onSubmit={open} />
        </div>
      </header>
      <main className="mx-auto max-w-7xl px-4 py-6">
        {state.image ? (
          <ImageView
            key={state.image}
            input={state.image}
            platform={state.platform}
            onPlatform={(platform) => navigate({ image: state.image, platform })}
            explorer={{ ...(state.layer !== undefined ? { layer: state.layer } : {}), ...(state.mode ? { mode: state.mode } : {}), ...(state.path ? { path: state.path } : {}) }}
            onExplorer={(next) => navigate({ ...(state.image ? { image: state.image } : {}), ...(state.platform ? { platform: state.platform } : {}), ...next }, { replace: true })}
          />
        ) : (
          <Landing onOpen={open} />
        )}
      </main>
      <footer className="mx-auto flex max-w-7xl items-center justify-between gap-4 border-t border-slate-200 px-4 py-3 dark:border-slate-800">
        <span className="text-xs text-slate-500">Lading reads images through its own server; nothing is pulled to your machine.</span>
        <CacheControl />
      </footer>
    </QueryClientProvider>
  );
}
