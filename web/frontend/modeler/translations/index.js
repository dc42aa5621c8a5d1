// One table per interface language, chosen by the page's <html lang>; English needs none (the
// libraries' own texts are English). Replacements like {element} are filled in either way.
import zhHans from "./zh-Hans.js";

const TABLES = { "zh-Hans": zhHans, zh: zhHans };

export function tableFor(lang) {
  return TABLES[lang] || TABLES[(lang || "").split("-")[0]] || {};
}

export function translateModule(lang) {
  const table = tableFor(lang);
  const translate = (template, replacements) =>
    (table[template] || template).replace(/{([^}]+)}/g, (all, key) => (replacements || {})[key] ?? all);
  return { translate: ["value", translate] };
}
