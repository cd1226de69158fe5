import { useId } from 'preact/hooks';

/** A labelled text input: the label is always visible and tied to the input. */
export function Field(p: {
  label: string;
  value: string;
  onInput: (v: string) => void;
  type?: 'text' | 'password';
  autocomplete?: string;
  required?: boolean;
}) {
  const id = useId();
  const attrs = {
    id,
    value: p.value,
    onInput: (e: Event) => p.onInput((e.currentTarget as HTMLInputElement).value),
    autocomplete: p.autocomplete,
    required: p.required,
  };
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      {p.type === 'password' ? <input type="password" {...attrs} /> : <input type="text" {...attrs} />}
    </div>
  );
}
