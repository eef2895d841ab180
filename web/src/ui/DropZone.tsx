import { useId, useState, type DragEvent } from 'react';

/** Drop or pick an image archive; also offers the offline sample. The file is never uploaded. */
export function DropZone({ onFile, onSample, sampleLoading }: { onFile: (file: File) => void; onSample: () => void; sampleLoading: boolean }) {
  const [over, setOver] = useState(false);
  const inputId = useId();
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const file = event.dataTransfer.files[0];
    if (file) onFile(file);
  };
  return (
    <div
      data-dropzone
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      className={`rounded-lg border-2 border-dashed p-6 text-center ${over ? 'border-teal-600 bg-teal-50 dark:bg-teal-950/40' : 'border-slate-300 dark:border-slate-700'}`}
    >
      <p className="text-sm text-slate-700 dark:text-slate-300">
        Drop a <code className="font-mono">docker save</code>, <code className="font-mono">podman save</code> or OCI archive here
      </p>
      <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">It is read in place by your browser; nothing is uploaded.</p>
      <div className="mt-3 flex items-center justify-center gap-3">
        <label htmlFor={inputId} className="cursor-pointer rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:border-teal-600 dark:border-slate-700">
          Choose a file…
        </label>
        <input
          id={inputId}
          type="file"
          accept=".tar,application/x-tar"
          aria-label="Open an image archive"
          className="sr-only"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) onFile(file);
            e.target.value = '';
          }}
        />
        <button
          type="button"
          onClick={onSample}
          disabled={sampleLoading}
          className="rounded-md bg-teal-700 px-3 py-1.5 text-sm text-white hover:bg-teal-800 disabled:opacity-60"
        >
          {sampleLoading ? 'Loading the sample…' : 'Open the offline sample'}
        </button>
      </div>
    </div>
  );
}
