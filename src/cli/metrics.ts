// The metrics `eikon eval` knows: the trainer's built-ins (elbo, nll, modes), plus those of src/metrics.
import "../train/metric-registry.js";
