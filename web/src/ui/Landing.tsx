import { DropZone } from './DropZone';
import { HubSearch } from './browse/HubSearch';
import { clearRecent, useRecent } from './recent';
const EXAMPLES = ['alpine:3.20', 'nginx:1.27', 'python:3-slim', 'gcr.io/distroless/static', 'ghcr.io/home-assistant/home-assistant:stable'];

/** What to do first, when no image is open. */
export function Landing({
  onOpen,
  onFile,
  onSample,
  sampleLoading,
}: {
  onOpen: (reference: string) => void;
  onFile: (file: File) => void;
  onSample: () => void;
  sampleLoading: boolean;
}) {
  const recent = useRecent();
  return (
    <section className="mx-auto mt-12 max-w-2xl text-center">
      <h1 className="text-3xl font-semibold tracking-tight">See what a container image is made of</h1>
      <p className="mt-3 text-slate-600 dark:text-slate-400">
        Type an image reference above: its platforms, config, Dockerfile history and layers appear without pulling the image.
      </p>
      <h2 className="mt-8 text-sm font-medium uppercase tracking-wide text-slate-600 dark:text-slate-400">Try one</h2>
      <ul className="mt-3 flex flex-wrap justify-center gap-2">
        {EXAMPLES.map((example) => (
          <li key={example}>
            <button
              type="button"
              onClick={() => onOpen(example)}
              className="rounded-full border border-slate-300 px-3 py-1 font-mono text-sm hover:border-teal-600 hover:text-teal-700 dark:border-slate-700 dark:hover:text-teal-300"
            >
              {example}
            </button>
          </li>
        ))}
      </ul>
      {recent.length > 0 && (
        <>
          <h2 className="mt-8 text-sm font-medium uppercase tracking-wide text-slate-600 dark:text-slate-400">Recently opened</h2>
          <ul aria-label="Recently opened" className="mt-3 flex flex-wrap justify-center gap-2">
            {recent.map((reference) => (
              <li key={reference}>
                <button
                  type="button"
                  onClick={() => onOpen(reference)}
                  className="max-w-md truncate rounded-full border border-slate-300 px-3 py-1 font-mono text-sm hover:border-teal-600 dark:border-slate-700"
                >
                  {reference}
                </button>
              </li>
            ))}
            <li>
              <button type="button" onClick={clearRecent} className="px-2 py-1 text-xs text-slate-600 dark:text-slate-400 hover:underline">
                Forget these
              </button>
            </li>
          </ul>
        </>
      )}
      <HubSearch onOpen={onOpen} />
      <h2 className="mt-8 mb-3 text-sm font-medium uppercase tracking-wide text-slate-600 dark:text-slate-400">Or open a file</h2>
      <DropZone onFile={onFile} onSample={onSample} sampleLoading={sampleLoading} />
    </section>
  );
}
