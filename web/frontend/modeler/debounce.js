// The panel's text entries write their value a moment after typing stops. Deploying must not lose
// what was typed last, so this debounce keeps its pending writes and can run them at once (flush).
export default function DebounceInput() {
  const pending = new Set();
  const debounce = (fn, delay = 300) => {
    let timer = null, args = [];
    const run = () => { clearTimeout(timer); pending.delete(run); fn(...args); };
    return (...given) => { args = given; clearTimeout(timer); timer = setTimeout(run, delay); pending.add(run); };
  };
  debounce.flush = () => [...pending].forEach((run) => run());
  return debounce;
}
