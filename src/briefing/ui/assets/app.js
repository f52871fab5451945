// The chat's JavaScript, loaded by ui/app.py. Each section is the `js_on_load` of one
// gr.HTML component (Gradio runs it with `element`, `trigger` and `watch` in scope);
// a section starts at a line `// == name ==`.

// == transcript ==
// A click on a citation [n] asks the server for the source view of that extract.
element.addEventListener('click', (event) => {
  const target = event.target.closest('[data-extract]');
  if (!target || !element.contains(target)) return;
  event.preventDefault();
  element.querySelectorAll('.bf-cite.bf-active').forEach((b) => b.classList.remove('bf-active'));
  target.classList.add('bf-active');
  trigger('cite', {turn: Number(target.dataset.turn), extract: Number(target.dataset.extract)});
});

// == source-view ==
// Scroll the panel itself (never the page) so the marked extract is in view: when a citation
// opens the source, and when "Whole document" is opened (at the quote, not at the top).
const scrollToMark = (mark) => {
  if (!mark) return;
  let box = mark.parentElement;
  while (box && box !== document.body) {
    const style = getComputedStyle(box);
    if (/(auto|scroll)/.test(style.overflowY) && box.scrollHeight > box.clientHeight) break;
    box = box.parentElement;
  }
  if (!box || box === document.body) return;
  const offset = mark.getBoundingClientRect().top - box.getBoundingClientRect().top;
  box.scrollTop += offset - box.clientHeight / 3;
};
watch('value', () => scrollToMark(element.querySelector('.bf-passage mark')));
// `toggle` does not bubble: listen while it passes down to the <details>.
element.addEventListener('toggle', (event) => {
  const whole = event.target;
  if (!whole.matches || !whole.matches('details.bf-whole') || !whole.open) return;
  scrollToMark(whole.querySelector('.bf-passage mark'));
}, true);

// == documents ==
// A click on a document's "Remove" asks the server to confirm the removal (nothing is removed yet).
element.addEventListener('click', (event) => {
  const target = event.target.closest('button.bf-remove[data-doc]');
  if (!target || !element.contains(target)) return;
  event.preventDefault();
  trigger('remove', {doc: target.dataset.doc});
});
