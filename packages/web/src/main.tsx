import { render } from 'preact';
import { applyLang } from './i18n/i18n.js';
import { startSession } from './state/session.js';
import { applyTheme } from './state/theme.js';
import { App } from './ui/app.js';
import './styles.css';

applyLang();
applyTheme();
render(<App />, document.getElementById('app')!);
void startSession();
