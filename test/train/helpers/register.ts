// Registers the test-only families; imported by tests and preloaded (--import) into CLI children.
import { registerFamily } from "../../../src/models/index.js";
import { testGan, testQuad, testVae } from "./families.js";

registerFamily(testVae);
registerFamily(testQuad);
registerFamily(testGan);
