// Preloaded (--import) into a CLI child by the resume test: SIGKILLs the process right after the
// checkpoint of step $EIKON_TEST_KILL_AT_STEP is on disk — a crash at a known point, with no cleanup.
import { channel } from "node:diagnostics_channel";

const at = Number(process.env.EIKON_TEST_KILL_AT_STEP);
if (Number.isInteger(at)) {
  channel("eikon:train:checkpoint").subscribe((message) => {
    if ((message as { step: number }).step === at) process.kill(process.pid, "SIGKILL");
  });
}
