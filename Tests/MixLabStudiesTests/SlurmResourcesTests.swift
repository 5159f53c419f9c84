import MixLabCore
import Testing

@testable import MixLabStudies

/// The resources a Slurm job asks for: their `#SBATCH` lines and the values refused.
@Suite struct SlurmResourcesTests {
    @Test func directivesComeInAFixedOrderAndOnlyForValuesGiven() throws {
        let all = try SlurmResources(partition: "cpu", time: "1-02:00:00", cpusPerTask: 2, memory: "4G")
        #expect(all.directives == [
            "#SBATCH --partition=cpu", "#SBATCH --time=1-02:00:00", "#SBATCH --cpus-per-task=2", "#SBATCH --mem=4G",
        ])
        #expect(try SlurmResources(memory: "512").directives == ["#SBATCH --mem=512"])
        #expect(try SlurmResources().directives.isEmpty, "nothing given: the cluster's defaults")
    }

    @Test func badValuesNameTheOptionAndTheFix() {
        let cases: [(() throws -> SlurmResources, String)] = [
            ({ try SlurmResources(partition: "") }, "--partition"),
            ({ try SlurmResources(partition: "gpu'; rm -rf ~") }, "--partition"),
            ({ try SlurmResources(partition: "\"cpu\"") }, "--partition"),
            ({ try SlurmResources(time: "00:٣٠:00") }, "--time"),  // Arabic-Indic digits
            ({ try SlurmResources(time: "1-00:00:60") }, "--time"),
            ({ try SlurmResources(time: "") }, "--time"),
            ({ try SlurmResources(cpusPerTask: -3) }, "--cpus-per-task"),
            ({ try SlurmResources(memory: "٤G") }, "--mem"),
            ({ try SlurmResources(memory: "") }, "--mem"),
        ]
        for (make, location) in cases {
            let error = StudyTestSupport.error { _ = try make() }
            #expect(error?.location == location, "\(location)")
            #expect(error?.fix.isEmpty == false)
        }
    }
}
