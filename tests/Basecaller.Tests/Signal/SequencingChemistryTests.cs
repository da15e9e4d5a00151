using Dipper.Basecaller.Signal;

namespace Dipper.Basecaller.Tests.Signal;

public sealed class SequencingChemistryTests
{
    private static readonly SequencingChemistry R941Dna = SequencingChemistry.Parse("R9.4.1 DNA");

    [Theory]
    [InlineData("FLO-MIN106", "R9.4.1")]
    [InlineData("FLO-MIN106D", "R9.4.1")]
    [InlineData("FLO-MIN105", "R9.4.1")]
    [InlineData("FLO-FLG001", "R9.4.1")]
    [InlineData("FLO-PRO002", "R9.4.1")]
    [InlineData("FLO-PRO002-ECO", "R9.4.1")]
    [InlineData("FLO-MIN114", "R10.4.1")]
    [InlineData("flo-min114", "R10.4.1")]
    [InlineData("FLO-FLG114", "R10.4.1")]
    [InlineData("FLO-PRO114M", "R10.4.1")]
    [InlineData("FLO-PRO114HD", "R10.4.1")]
    [InlineData("FLO-MIN112", "R10.4")]
    [InlineData("FLO-MIN111", "R10.3")]
    [InlineData("FLO-MIN004RA", "RNA004")]
    [InlineData("FLO-XYZ999", null)]
    public void Flow_cell_product_code_names_the_pore(string code, string? pore)
    {
        Assert.Equal(pore, SequencingChemistry.From(code, null, null, null).Pore);
    }

    [Theory]
    [InlineData("SQK-LSK114", "R10.4.1", Molecule.Dna)]
    [InlineData("SQK-ULK114", "R10.4.1", Molecule.Dna)]
    [InlineData("sqk-rbk114-96", "R10.4.1", Molecule.Dna)]
    [InlineData("SQK-NBD114-24", "R10.4.1", Molecule.Dna)]
    [InlineData("SQK-16S114-24", "R10.4.1", Molecule.Dna)]
    [InlineData("sqk-lsk108", "R9.4.1", Molecule.Dna)]
    [InlineData("SQK-LSK109", null, Molecule.Dna)] // ran on R9.4.1 and R10.3: says DNA, not which pore
    [InlineData("SQK-RNA002", "R9.4.1", Molecule.Rna)]
    [InlineData("SQK-RNA004", "RNA004", Molecule.Rna)]
    [InlineData("not a kit", null, Molecule.Unknown)]
    public void Sequencing_kit_names_the_molecule_and_for_kit_14_and_rna_kits_the_pore(string kit, string? pore, Molecule molecule)
    {
        var chemistry = SequencingChemistry.From(null, kit, null, null);
        Assert.Equal(pore, chemistry.Pore);
        Assert.Equal(molecule, chemistry.Molecule);
    }

    [Theory]
    [InlineData("genomic_dna", Molecule.Dna)]
    [InlineData("cdna", Molecule.Dna)]
    [InlineData("rna", Molecule.Rna)]
    [InlineData("something_else", Molecule.Unknown)]
    public void Experiment_type_names_the_molecule(string type, Molecule molecule)
    {
        var chemistry = SequencingChemistry.From(null, null, type, null);
        Assert.Equal(molecule, chemistry.Molecule);
        Assert.Null(chemistry.Pore);
    }

    [Theory]
    // The protocol names of the bundled 2016 R9.4 sample reads and of the R10.4.1 test run.
    [InlineData("python/recipes/nc/NC_48Hr_Sequencing_Run_FLO-MIN106_SQK-LSK108.py", "R9.4.1 DNA", "flow cell FLO-MIN106, kit SQK-LSK108")]
    [InlineData("sequencing/sequencing_MIN114_DNA_e8_2_400T:FLO-MIN114:SQK-RBK114-96:400", "R10.4.1 DNA", "flow cell FLO-MIN114, kit SQK-RBK114-96")]
    public void Protocol_name_fills_in_codes_the_file_does_not_record(string protocol, string chemistry, string evidence)
    {
        var found = SequencingChemistry.From(null, null, null, protocol);
        Assert.Equal(chemistry, found.ToString());
        Assert.Equal(evidence, found.Evidence);
    }

    [Fact]
    public void Recorded_product_code_wins_over_the_protocol_name()
    {
        var found = SequencingChemistry.From("FLO-MIN114", null, null, "python/recipes/nc/NC_48Hr_Sequencing_Run_FLO-MIN106_SQK-LSK108.py");
        Assert.Equal("R10.4.1", found.Pore);
        Assert.Equal("flow cell FLO-MIN114, kit SQK-LSK108", found.Evidence);
    }

    [Theory]
    [InlineData("R9.4.1 DNA", "R9.4.1", Molecule.Dna)]
    [InlineData("r10.4.1 dna", "R10.4.1", Molecule.Dna)]
    [InlineData("DNA R9.4.1", "R9.4.1", Molecule.Dna)]
    [InlineData("RNA004", "RNA004", Molecule.Rna)]
    [InlineData("R9.4.1 RNA", "R9.4.1", Molecule.Rna)]
    [InlineData("whatever", null, Molecule.Unknown)]
    public void Manifest_chemistry_is_parsed_into_pore_and_molecule(string text, string? pore, Molecule molecule)
    {
        var parsed = SequencingChemistry.Parse(text);
        Assert.Equal(pore, parsed.Pore);
        Assert.Equal(molecule, parsed.Molecule);
    }

    [Theory]
    [InlineData("FLO-MIN114", "SQK-LSK114", null, true)]  // R10.4.1 read, R9.4.1 model
    [InlineData(null, "SQK-RNA002", null, true)]          // RNA on an R9.4.1 pore, DNA model
    [InlineData(null, null, "rna", true)]                 // RNA, pore unknown: still not for a DNA model
    [InlineData("FLO-MIN004RA", null, null, true)]
    [InlineData("FLO-MIN106", "SQK-LSK109", null, false)]
    [InlineData(null, "SQK-LSK109", null, false)]         // DNA, pore unknown: no contradiction
    [InlineData(null, null, null, false)]
    public void A_known_part_that_differs_from_the_models_contradicts_it(string? flowCell, string? kit, string? type, bool contradicts)
    {
        Assert.Equal(contradicts, SequencingChemistry.From(flowCell, kit, type, null).Contradicts(R941Dna));
    }

    [Theory]
    [InlineData("FLO-MIN106", "SQK-LSK109", null, true)]
    [InlineData("FLO-MIN106", null, "genomic_dna", true)]
    [InlineData(null, "SQK-LSK108", null, true)]
    [InlineData("FLO-MIN106", null, null, false)]         // the molecule is unknown
    [InlineData(null, "SQK-LSK109", null, false)]         // the pore is unknown
    [InlineData(null, null, null, false)]
    [InlineData("FLO-MIN114", "SQK-LSK114", null, false)]
    public void Only_a_fully_known_matching_chemistry_confirms_the_models(string? flowCell, string? kit, string? type, bool confirms)
    {
        Assert.Equal(confirms, SequencingChemistry.From(flowCell, kit, type, null).Confirms(R941Dna));
    }

    [Fact]
    public void A_model_whose_chemistry_says_nothing_is_confirmed_by_any_read()
    {
        var model = SequencingChemistry.Parse("custom");
        var r10 = SequencingChemistry.From("FLO-MIN114", null, null, null);
        Assert.False(r10.Contradicts(model));
        Assert.True(r10.Confirms(model));
        Assert.True(SequencingChemistry.Unknown.Confirms(model));
    }

    [Fact]
    public void Equality_is_of_pore_and_molecule_not_of_where_they_were_read()
    {
        var fromCodes = SequencingChemistry.From("FLO-MIN106", "SQK-LSK108", null, null);
        Assert.Equal(R941Dna, fromCodes);
        Assert.Equal(R941Dna.GetHashCode(), fromCodes.GetHashCode());
        Assert.NotEqual(R941Dna, SequencingChemistry.Parse("R10.4.1 DNA"));
        Assert.Equal("unknown", SequencingChemistry.Unknown.ToString());
        Assert.Equal("RNA004", SequencingChemistry.From(null, "SQK-RNA004", null, null).ToString());
    }
}
