// Live total of a participatory budget ballot. The page works without it:
// its "Work out the total" button asks the server for the same figure.
(() => {
  const form = document.getElementById('ballot');
  if (!form) return;
  const total = document.getElementById('total');
  const over = document.getElementById('over');
  const envelope = Number(form.dataset.envelope);
  const money = new Intl.NumberFormat(document.documentElement.lang === 'en' ? 'en-GB' : 'fr-FR',
    { style: 'currency', currency: 'EUR' });
  const update = () => {
    let cents = 0;
    for (const box of form.querySelectorAll('input[data-cost]:checked')) cents += Number(box.dataset.cost);
    total.textContent = money.format(cents / 100);
    over.hidden = cents <= envelope;
  };
  form.addEventListener('change', update);
})();
