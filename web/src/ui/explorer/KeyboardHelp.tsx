import { useEffect, useRef } from 'react';

export const KEY_BINDINGS: Array<[string, string]> = [
  ['Tab / Shift+Tab', 'Move between the layers, the file tree and the filter'],
  ['↑ ↓ or j k', 'Move the selection'],
  ['← → or h l', 'Collapse or expand a directory (← on a file goes to its directory)'],
  ['Space', 'Toggle the selected directory'],
  ['Page Up / Page Down, Home / End', 'Move by a page, to the first or last row'],
  ['/ or Ctrl+F', 'Filter the tree by path'],
  ['Esc', 'Leave the filter, or close this help'],
  ['m', 'Switch between this layer’s changes and all layers up to it'],
  ['?', 'Show this help'],
];

/** The `?` overlay: every key, as a modal dialog. */
export function KeyboardHelp({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    dialog.current?.focus();
  }, []);
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40 p-4" onClick={onClose}>
      <div
        ref={dialog}
        role="dialog"
        aria-modal="true"
        aria-labelledby="keys-title"
        tabIndex={-1}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === '?') {
            e.preventDefault();
            onClose();
          }
        }}
        className="w-full max-w-lg rounded-lg bg-white p-5 shadow-xl outline-none dark:bg-slate-900"
      >
        <div className="flex items-baseline justify-between">
          <h2 id="keys-title" className="font-semibold">
            Keyboard
          </h2>
          <button type="button" onClick={onClose} className="text-sm text-slate-600 dark:text-slate-400 hover:underline">
            Close
          </button>
        </div>
        <table className="mt-3 w-full text-sm">
          <tbody>
            {KEY_BINDINGS.map(([keys, what]) => (
              <tr key={keys} className="border-t border-slate-100 dark:border-slate-800">
                <th scope="row" className="py-1.5 pr-4 text-left font-mono text-xs font-normal whitespace-nowrap">
                  {keys}
                </th>
                <td className="py-1.5">{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
