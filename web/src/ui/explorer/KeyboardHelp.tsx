import { useEffect, useRef } from 'react';

export type KeyBinding = readonly [keys: string, what: string];

/** The explorer's own keys (the workspace adds one per view above them). */
export const EXPLORER_KEYS: readonly KeyBinding[] = [
  ['Tab / Shift+Tab', 'Move between the views, the layers, the file tree and the filter'],
  ['↑ ↓ or j k', 'Move the selection'],
  ['← → or h l', 'Collapse or expand a directory (← on a file goes to its directory)'],
  ['Space', 'Toggle the selected directory'],
  ['Page Up / Page Down, Home / End', 'Move by a page, to the first or last row'],
  ['/ or Ctrl+F', 'Filter the tree by path'],
  ['Esc', 'Leave the filter, or close this help'],
  ['m', 'Switch between this layer’s changes and all layers up to it'],
];

export interface KeySection {
  title: string;
  keys: readonly KeyBinding[];
}

/** The `?` overlay: every key, as a modal dialog, in sections (views, then the explorer). */
export function KeyboardHelp({ sections, onClose }: { sections: readonly KeySection[]; onClose: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  const opener = useRef<Element | null>(null);
  useEffect(() => {
    // Focus comes back where it was when the dialog closes.
    opener.current = document.activeElement;
    dialog.current?.focus();
    return () => {
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
    };
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
          // The dialog's keys stay in the dialog: a view shortcut must not switch views behind it.
          e.stopPropagation();
          if (e.key === 'Escape' || e.key === '?') {
            e.preventDefault();
            onClose();
          }
        }}
        className="max-h-full w-full max-w-lg overflow-y-auto rounded-lg bg-white p-5 shadow-xl outline-none dark:bg-slate-900"
      >
        <div className="flex items-baseline justify-between">
          <h2 id="keys-title" className="font-semibold">
            Keyboard
          </h2>
          <button type="button" onClick={onClose} className="text-sm text-slate-600 hover:underline dark:text-slate-400">
            Close
          </button>
        </div>
        {sections.map((section) => (
          <table key={section.title} className="mt-3 w-full text-sm">
            <caption className="pb-1 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">{section.title}</caption>
            <tbody>
              {section.keys.map(([keys, what]) => (
                <tr key={keys} className="border-t border-slate-100 dark:border-slate-800">
                  <th scope="row" className="py-1.5 pr-4 text-left font-mono text-xs font-normal whitespace-nowrap">
                    {keys}
                  </th>
                  <td className="py-1.5">{what}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </div>
    </div>
  );
}
