// The metrics `eikon eval` knows: the trainer's built-ins (elbo, nll, modes), then those src/metrics
// registers (iwae, nll for latent-variable models, active-units, amortization-gap, …).
import "../metrics/registry.js";
import "../metrics/index.js";
