// The metrics `eikon eval` knows: the registry's built-ins (elbo, nll), then those src/metrics
// registers (iwae, nll for latent-variable models, active-units, amortization-gap, fid, digits,
// mode-coverage alias modes, …).
import "../metrics/registry.js";
import "../metrics/index.js";
