// The service editor: CodeMirror 6 with YAML highlighting, line numbers and error marks.
// build.sh bundles this file with esbuild into vendor/editor.js, so the page stays offline.
import { EditorState, Compartment } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching } from '@codemirror/language';
import { yaml } from '@codemirror/lang-yaml';
import { setDiagnostics, lintGutter } from '@codemirror/lint';

/**
 * Create an editor in `parent`. `onChange(text)` runs on every edit. `labelledBy` names the
 * editor for screen readers (`labelledBy`: the id of its visible label). Tab indents; Escape then Tab (CodeMirror's tab-focus mode)
 * moves focus on, so the keyboard is never trapped.
 */
export function createEditor(parent, { text = '', labelledBy, describedBy, onChange }) {
  const attrs = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        drawSelection(),
        history(),
        indentOnInput(),
        bracketMatching(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        yaml(),
        lintGutter(),
        keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
        EditorState.tabSize.of(2),
        attrs.of(EditorView.contentAttributes.of({
          'aria-labelledby': labelledBy,
          // Focusable already (contenteditable); said explicitly so checkers see that the
          // scrolling editor holds a focusable element.
          tabindex: '0',
          ...(describedBy ? { 'aria-describedby': describedBy } : {}),
        })),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    view,
    get text() {
      return view.state.doc.toString();
    },
    /** Replace the whole text (an example switch); fires onChange. */
    setText(next) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } });
    },
    /**
     * Mark problems: [{line, column, severity: 'error' | 'warning' | 'info', message}],
     * lines and columns from 1 as the core reports them.
     */
    mark(marks) {
      const doc = view.state.doc;
      const diagnostics = marks
        .filter((m) => m.line >= 1 && m.line <= doc.lines)
        .map((m) => {
          const line = doc.line(m.line);
          const from = Math.min(line.from + Math.max(0, (m.column || 1) - 1), line.to);
          return { from, to: Math.max(from, line.to), severity: m.severity, message: m.message };
        });
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    focus() {
      view.focus();
    },
  };
}
