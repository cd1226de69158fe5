import { initialState, type AppState } from './model.js';
import { Store, useSelect } from './store.js';

/** The app's state (model.ts); changed only by the functions of state/. */
export const app = new Store<AppState>(initialState);

/** A slice of the app's state, for components. */
export function useApp<R>(select: (s: AppState) => R): R {
  return useSelect(app, select);
}
