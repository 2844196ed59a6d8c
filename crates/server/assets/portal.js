// Tells the server the viewer's time zone (a cookie read by the portal), so that times are
// shown in it beside the calendar's zone. Nothing else; the portal works without it.
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  var value = encodeURIComponent(zone);
  if (document.cookie.split("; ").indexOf("tenggat_tz=" + value) < 0) {
    document.cookie = "tenggat_tz=" + value + "; path=/; SameSite=Strict; max-age=31536000";
  }
})();
