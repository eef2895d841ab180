/** A loading placeholder with the shape of what is coming, and a live status for screen readers. */
export function Skeleton({ label }: { label: string }) {
  return (
    <div className="flex flex-col gap-4" aria-busy="true">
      <p role="status" className="text-sm text-slate-600 dark:text-slate-400">
        {label}
      </p>
      <div className="h-28 motion-safe:animate-pulse rounded-lg bg-slate-200 dark:bg-slate-800" />
      <div className="h-56 motion-safe:animate-pulse rounded-lg bg-slate-200 dark:bg-slate-800" />
    </div>
  );
}
