import MixLabCore
import MixLabTraining
import Testing

@Suite struct RunConfigurationTests {
    @Test func settingsRoundTrip() throws {
        let configuration = try RunConfiguration(settings: [
            "mixer": "dct", "mixer.axes": "sequence", "task.length": "64", "layers": "3", "lr": "0.0005", "seed": "7",
        ])
        #expect(configuration.mixerSettings == ["axes": "sequence"])
        #expect(configuration.taskSettings == ["length": "64"])
        #expect(configuration.layers == 3)
        #expect(try RunConfiguration(settings: configuration.settings) == configuration)
    }

    @Test func badSettingsNameTheKey() {
        let cases: [([String: String], MixLabError.Code, String)] = [
            (["layer": "2"], .unknownConfigKey, "layer"),
            (["task.": "1"], .unknownConfigKey, "task."),
            (["layers": "0"], .invalidConfigValue, "layers"),
            (["dropout": "1"], .invalidConfigValue, "dropout"),
            (["schedule": "step"], .invalidConfigValue, "schedule"),
            (["seed": "-1"], .invalidConfigValue, "seed"),
            (["attention-layers": "3", "layers": "2"], .invalidConfigValue, "attention-layers"),
            (["warmup": "100", "steps": "50"], .invalidConfigValue, "warmup"),
        ]
        for (settings, code, key) in cases {
            do {
                _ = try RunConfiguration(settings: settings, location: "study.json")
                Issue.record("\(settings) was accepted")
            } catch let error as MixLabError {
                #expect(error.code == code)
                #expect(error.what.contains(key))
                #expect(error.location == "study.json")
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }
}
