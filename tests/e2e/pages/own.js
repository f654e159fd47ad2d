// The page's own behaviour, independent of Pathwise: it must keep working whatever the SDK does.
let clicks = 0;
document.getElementById("own").addEventListener("click", () => {
  clicks += 1;
  document.getElementById("own-count").textContent = String(clicks);
});
