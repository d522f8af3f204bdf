/* Mock portal page behaviour: tiny vanilla JS, no external code. */
(function () {
  "use strict";
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // Custom dropdowns (.x-select): click the shown value to open, click an option to choose.
  document.addEventListener("click", function (ev) {
    var value = ev.target.closest(".x-select-value");
    var option = ev.target.closest(".x-select-options li");
    $all(".x-select-options").forEach(function (ul) {
      if (!value || ul !== value.parentNode.querySelector(".x-select-options")) { ul.hidden = true; }
    });
    if (value) {
      var list = value.parentNode.querySelector(".x-select-options");
      list.hidden = !list.hidden;
    } else if (option) {
      var box = option.closest(".x-select");
      box.querySelector("input[type=hidden]").value = option.getAttribute("data-value");
      box.querySelector(".x-select-value").textContent = option.textContent;
      $all("li", box).forEach(function (li) { li.classList.toggle("selected", li === option); });
      option.parentNode.hidden = true;
    }
  });

  // <a data-submit="formId">: buttons drawn as links submit their form.
  $all("a[data-submit]").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var form = document.getElementById(a.getAttribute("data-submit"));
      if (form) { form.submit(); }
    });
  });

  // Styled 选择文件 buttons in front of the file inputs.
  $all(".file-wrap").forEach(function (wrap) {
    var input = wrap.querySelector("input[type=file]");
    var shown = wrap.nextElementSibling;
    wrap.querySelector(".btn-file").addEventListener("click", function () { input.click(); });
    input.addEventListener("change", function () {
      if (shown && shown.classList.contains("file-name")) {
        shown.textContent = input.files.length ? input.files[0].name : "";
      }
    });
  });

  // 无工作单位 disables the employer fields.
  $all("input.no-employer").forEach(function (box) {
    function apply() {
      $all("input.employer-dep").forEach(function (i) { i.disabled = box.checked; if (box.checked) { i.value = ""; } });
    }
    box.addEventListener("change", apply);
    apply();
  });

  // 是否晋级申报 = 是 reveals the 原证书 section.
  $all("input[data-toggle]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      var section = document.getElementById(radio.getAttribute("data-toggle"));
      var chosen = document.querySelector("input[name='" + radio.name + "']:checked");
      if (section) { section.hidden = !(chosen && chosen.value === "1"); }
    });
  });

  // Plan search: the filters reload the list; a parent choice clears its children.
  $all("#plan-search .auto-submit").forEach(function (control) {
    control.addEventListener("change", function () {
      var form = control.form;
      (control.getAttribute("data-clear") || "").split(" ").forEach(function (name) {
        if (name && form.elements[name]) { form.elements[name].value = ""; }
      });
      form.submit();
    });
  });

  // Login page tabs and methods.
  $all(".sso-tab").forEach(function (tab) {
    tab.addEventListener("click", function () {
      $all(".sso-tab").forEach(function (t) { t.classList.toggle("active", t === tab); });
      $all(".sso-pane").forEach(function (p) { p.hidden = p.getAttribute("data-pane") !== tab.getAttribute("data-tab"); });
    });
  });
  $all(".sso-method").forEach(function (m) {
    m.addEventListener("click", function () {
      $all(".sso-method").forEach(function (x) { x.classList.toggle("active", x === m); });
      $all("[data-mpane]").forEach(function (p) { p.hidden = p.getAttribute("data-mpane") !== m.getAttribute("data-method"); });
    });
  });

  // QR codes: poll until scanned (login) or signed (pledge). window.portalPollNow() checks at once
  // (the QA simulation calls it right after scanning, instead of waiting for the next tick).
  var checks = [];
  window.portalPollNow = function () { checks.forEach(function (check) { check(); }); };
  $all("[data-poll]").forEach(function (box) {
    var url = box.getAttribute("data-poll");
    var service = document.querySelector("input[name=service]");
    var timer = setInterval(check, 1000);
    // one check at a time, and one redirect: a tick and portalPollNow() answered together would
    // navigate twice, and the second use of the one-time ticket is refused (非法请求)
    var busy = false, leaving = false;
    checks.push(check);
    function check() {
      if (busy || leaving) { return; }
      busy = true;
      var q = service ? (url.indexOf("?") < 0 ? "?" : "&") + "service=" + encodeURIComponent(service.value) : "";
      fetch(url + q, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (s) {
        busy = false;
        if (!s || leaving) { return; }
        var state = box.querySelector(".qr-state, .sign-state");
        if (s.status === "scanned" && s.redirect) { leaving = true; clearInterval(timer); window.location.href = s.redirect; }
        else if (s.status === "signed") {
          clearInterval(timer);
          if (state) { state.textContent = "已签名"; state.classList.add("signed"); }
          var qr = box.querySelector(".qr-img"); if (qr) { qr.hidden = true; }
          var sig = box.querySelector("img.sig");
          if (sig) { sig.src = url.replace("/sign/status", "/signature.png") + "?t=" + Date.now(); sig.hidden = false; }
        } else if (s.status === "expired" && state) { state.textContent = "二维码已过期，请刷新二维码"; }
      }).catch(function () { busy = false; /* keep polling */ });
    }
  });
})();
