import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createQueryClient } from '../queries/queryClient';
import { CacheControl } from './CacheControl';
import { ArchiveView } from './ArchiveView';
import { CompareView } from './compare/CompareView';
import { DisplayControls } from './DisplayControls';
import { DropZone } from './DropZone';
import { ImageView } from './ImageView';
import { Landing } from './Landing';
import { ReferenceForm } from './ReferenceForm';
import { RegistryBrowser, registryHostOnly } from './browse/RegistryBrowser';
import { useUrlState } from './useUrlState';

export function App({ client }: { client?: QueryClient } = {}) {
  const [queryClient] = useState(() => client ?? createQueryClient());
  const [state, navigate] = useUrlState();
  const open = (image: string) => {
    // A bare registry host (`127.0.0.1:5000`) lists that registry's repositories.
    const registry = registryHostOnly(image);
    navigate(registry ? { registry } : { image });
  };
  // A local archive lives only in memory: the URL names it, the File stays here.
  const [localFile, setLocalFile] = useState<File | null>(null);
  const [sampleLoading, setSampleLoading] = useState(false);
  const openFile = (file: File) => {
    setLocalFile(file);
    navigate({ file: file.name });
  };
  const openSample = async () => {
    setSampleLoading(true);
    try {
      const response = await fetch('/sample/lading-sample.tar');
      if (!response.ok) throw new Error(`the sample is missing (HTTP ${response.status})`);
      openFile(new File([await response.blob()], 'lading-sample.tar', { type: 'application/x-tar' }));
    } finally {
      setSampleLoading(false);
    }
  };

  // Pages about one image fill the window (the workspace); the others are documents that scroll.
  const imagePage = state.image !== undefined || state.file !== undefined || state.compare !== undefined;

  return (
    <QueryClientProvider client={queryClient}>
      <div className="app-frame flex min-h-dvh flex-col">
        <header className="border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
          <div className="flex flex-wrap items-start gap-x-3 gap-y-2 px-3 py-2">
            <a href="/" className="flex shrink-0 items-center gap-2 pt-1 font-semibold" aria-label="Lading home">
              <img src="/favicon.svg" alt="" width={22} height={22} />
              Lading
            </a>
            <ReferenceForm value={state.image ?? state.registry ?? ''} onSubmit={open} />
            <a
              href="/?compare="
              onClick={(e) => {
                if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
                e.preventDefault();
                navigate({ compare: state.image ?? '' });
              }}
              className="shrink-0 rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
            >
              Compare…
            </a>
            <DisplayControls />
          </div>
        </header>
        <main
          className="flex min-h-0 w-full flex-1 flex-col"
          onDragOver={(e) => e.dataTransfer.types.includes('Files') && e.preventDefault()}
          onDrop={(e) => {
            const file = e.dataTransfer.files[0];
            if (!file || e.defaultPrevented) return;
            e.preventDefault();
            openFile(file);
          }}
        >
          {state.compare !== undefined ? (
            <CompareView
              left={state.compare}
              right={state.with ?? ''}
              {...(state.platform ? { platform: state.platform } : {})}
              onNavigate={(next) =>
                navigate({ compare: next.compare, ...(next.with ? { with: next.with } : {}), ...(next.platform ? { platform: next.platform } : {}) })
              }
            />
          ) : state.file ? (
            localFile && localFile.name === state.file ? (
              <ArchiveView key={state.file} file={localFile} />
            ) : (
              <div className="mx-auto mt-8 w-full max-w-2xl px-4">
                <p role="status" className="mb-4 text-sm text-slate-600 dark:text-slate-400">
                  Open <span className="font-mono">{state.file}</span> again: local files are never uploaded, so a reload or a shared link cannot bring them
                  back.
                </p>
                <DropZone onFile={openFile} onSample={() => void openSample()} sampleLoading={sampleLoading} />
              </div>
            )
          ) : state.image ? (
            <ImageView
              key={state.image}
              input={state.image}
              platform={state.platform}
              // Another platform keeps the view; layer numbers and paths belong to the other image.
              onPlatform={(platform) => navigate({ image: state.image, platform, ...(state.view ? { view: state.view } : {}) })}
            />
          ) : state.registry ? (
            <div className="mx-auto w-full max-w-7xl px-4 py-6">
              <RegistryBrowser key={state.registry} host={state.registry} />
            </div>
          ) : (
            <div className="px-4 pb-8">
              <Landing onOpen={open} onFile={openFile} onSample={() => void openSample()} sampleLoading={sampleLoading} />
            </div>
          )}
        </main>
        {!imagePage && (
          <footer className="flex w-full items-center justify-between gap-4 border-t border-slate-200 px-4 py-3 dark:border-slate-800">
            <span className="text-xs text-slate-600 dark:text-slate-400">Lading reads images through its own server; nothing is pulled to your machine.</span>
            <CacheControl />
          </footer>
        )}
      </div>
    </QueryClientProvider>
  );
}
