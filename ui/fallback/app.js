/* Shows the server's readiness (served from a file: the CSP forbids inline scripts). */
fetch('/api/v1/health/ready').then(function (r) { return r.json(); }).then(function (j) {
  document.getElementById('ready').textContent = j.status + ' (database: ' + j.checks.database +
    ', cache: ' + j.checks.cache + ')';
}).catch(function () { document.getElementById('ready').textContent = 'unreachable'; });
