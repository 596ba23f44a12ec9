#pragma once
// `kensa assess --model MODEL`: runs the collectors a system model's evidence links name and
// hands their findings, attributed to components, to system::assess (system/system.h).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "evidence/evidence.h"
#include "model/model.h"
#include "system/system.h"

namespace kensa::cli {

struct ModelRunOptions {
  // Probe scope: only the addresses the model's evidence links name are contacted, minus these.
  std::vector<std::string> exclude;
  std::string ports;  // empty = the prober's IoT default set
  bool intrusive = false;
  bool allow_public = false;
};

// Throws InputError for a bad model or bad evidence (a missing image, a malformed capture header,
// an invalid questionnaire). `system_questionnaire` (the command line's --ics) decides the
// requirements that apply to the system as a whole.
// The result's risk assessment views the model, so the two travel together (the model on the heap:
// moving the run never moves what the views point into).
struct ModelRun {
  std::unique_ptr<const model::Model> model;
  system::Result result;
};
ModelRun run_model(const std::string& model_path, const ModelRunOptions& options,
                   const std::optional<evidence::Questionnaire>& system_questionnaire);

}  // namespace kensa::cli
