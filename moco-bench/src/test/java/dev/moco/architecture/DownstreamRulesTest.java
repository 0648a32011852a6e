package dev.moco.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** moco-downstream programs against the encoder contract, so any encoder implementation can be transferred. */
@AnalyzeClasses(packages = "dev.moco", importOptions = ImportOption.DoNotIncludeTests.class)
class DownstreamRulesTest {

    /** Dense transfer reads stages through {@code FeatureMapEncoder}, never the oneDNN fast path's classes. */
    @ArchTest
    static final ArchRule downstreamNeverNamesTheFastPath = noClasses()
            .that().resideInAPackage("dev.moco.downstream..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.moco.encoders.fast..");

    @ArchTest
    static final ArchRule downstreamKnowsNoMechanismOrFrontEnd = noClasses()
            .that().resideInAPackage("dev.moco.downstream..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.moco.dict..", "dev.moco.bench..");
}
